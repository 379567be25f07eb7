import { describe, expect, it } from 'vitest';
import { CHART_CSS, heatGrid, intervalChart, lineChart, lineChartSvg, thinPoints, type LineChartSpec, type Point } from '../../src/report/charts.js';
import { REPORT_CSS } from '../../src/report/style.js';
import { escapeHtml, linearScale, niceDomain, niceTicks } from '../../src/report/svg.js';

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

function attr(tag: string, name: string): number {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  if (!m) throw new Error(`no ${name} in ${tag}`);
  return Number(m[1]);
}

function tags(svg: string, tag: string, cls: string): string[] {
  return [...svg.matchAll(new RegExp(`<${tag}\\b[^>]*class="${cls}"[^>]*>`, 'g'))].map((m) => m[0]);
}

function plotArea(svg: string): Rect {
  const [tag] = tags(svg, 'rect', 'plot-area');
  return { x: attr(tag!, 'x'), y: attr(tag!, 'y'), width: attr(tag!, 'width'), height: attr(tag!, 'height') };
}

/** The [x, y] pairs of an SVG path's M/L commands, one list per subpath. */
function pathPoints(d: string): [number, number][][] {
  const subpaths: [number, number][][] = [];
  for (const m of d.matchAll(/([ML])(-?[\d.]+),(-?[\d.]+)/g)) {
    if (m[1] === 'M') subpaths.push([]);
    subpaths[subpaths.length - 1]!.push([Number(m[2]), Number(m[3])]);
  }
  return subpaths;
}

/** Coordinates are written with 2 decimals. */
function expectPoints(actual: readonly [number, number][] | undefined, expected: readonly [number, number][]): void {
  expect(actual).toHaveLength(expected.length);
  expected.forEach(([x, y], i) => {
    expect(actual![i]![0]).toBeCloseTo(x, 1);
    expect(actual![i]![1]).toBeCloseTo(y, 1);
  });
}

function seriesPaths(svg: string): string[] {
  return tags(svg, 'path', 'series').map((t) => /\sd="([^"]*)"/.exec(t)![1]!);
}

const base: LineChartSpec = {
  title: 'A chart',
  caption: 'How to read it.',
  x: { label: 'x axis', min: 0, max: 10 },
  y: { label: 'y axis', min: 0, max: 1 },
  series: [{ name: 'model', points: [[0, 0], [10, 1], [5, 0.5]], color: '#000' }],
};

describe('scales and ticks', () => {
  it('maps a domain linearly onto a range, including an inverted one', () => {
    const s = linearScale([0, 10], [100, 300]);
    expect(s(0)).toBe(100);
    expect(s(10)).toBe(300);
    expect(s(2.5)).toBe(150);
    expect(linearScale([0, 1], [200, 0])(0.25)).toBe(150);
    expect(linearScale([3, 3], [0, 100])(3)).toBe(50);
  });

  it('puts ticks at 1, 2, 2.5 or 5 times a power of ten, without float noise', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 1000, 4)).toEqual([0, 250, 500, 750, 1000]);
    expect(niceTicks(-30, 70, 5)).toEqual([-20, 0, 20, 40, 60]);
    expect(niceTicks(0.1, 0.3, 2)).toEqual([0.1, 0.2, 0.3]);
    expect(niceTicks(5, 5)).toEqual([5]);
  });

  it('widens a domain outwards to nice steps', () => {
    expect(niceDomain(0.13, 0.87)).toEqual([0, 1]);
    expect(niceDomain(-1234, 5678)).toEqual([-2000, 6000]);
    expect(niceDomain(0, 0)).toEqual([0, 1]);
  });

  it('escapes the five HTML-special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});

describe('lineChart', () => {
  it('ends a tight axis at the last point (epochs, customers), where a nice axis runs on past it', () => {
    const epochs: Point[] = [[1, 0.6], [2, 0.5], [3, 0.45], [4, 0.42], [5, 0.41], [6, 0.4], [7, 0.4]];
    const lastX = (spec: LineChartSpec): number => {
      const svg = lineChartSvg(spec)!;
      const [points] = pathPoints(seriesPaths(svg)[0]!);
      return points![points!.length - 1]![0] - (plotArea(svg).x + plotArea(svg).width);
    };
    const spec = { ...base, x: { label: 'Epoch' }, y: { label: 'loss' }, series: [{ name: 'loss', points: epochs, color: '#000' }] };
    expect(lastX(spec)).toBeLessThan(-1);
    expect(lastX({ ...spec, x: { label: 'Epoch', tight: true } })).toBeCloseTo(0, 1);
  });

  it('maps each point to its pixel coordinates inside the plot area', () => {
    const html = lineChart(base);
    const area = plotArea(html);
    const [path] = seriesPaths(html);
    const [points] = pathPoints(path!);
    expectPoints(points, [
      [area.x, area.y + area.height],
      [area.x + area.width, area.y],
      [area.x + area.width / 2, area.y + area.height / 2],
    ]);
  });

  it('has a title, axis labels, a legend and a caption, with data text escaped', () => {
    const html = lineChart({ ...base, title: 'Title <1>', series: [{ ...base.series[0]!, name: '<script>x</script>' }] });
    expect(html).toContain('>Title &lt;1&gt;</text>');
    expect(html).toContain('>x axis</text>');
    expect(html).toContain('>y axis</text>');
    expect(html).toContain('class="legend"');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toMatch(/<figcaption>How to read it\.<\/figcaption>/);
  });

  it('gives a "no data" note instead of an empty chart', () => {
    const empty = lineChart({ ...base, series: [{ name: 'model', points: [], color: '#000' }], emptyNote: 'Nothing was scored.' });
    expect(empty).toContain('No data to draw. Nothing was scored.');
    expect(empty).toContain('A chart');
    expect(empty).not.toContain('<svg');
    expect(lineChart({ ...base, series: [] })).toContain('No data to draw.');
    expect(lineChart({ ...base, series: [{ name: 'nan', points: [[Number.NaN, 1]], color: '#000' }] })).not.toContain('<svg');
  });

  it('breaks the line at non-finite points', () => {
    const html = lineChart({ ...base, series: [{ name: 'm', points: [[0, 0], [1, Number.NaN], [2, 0.2], [3, 0.3]], color: '#000' }] });
    const subpaths = pathPoints(seriesPaths(html)[0]!);
    expect(subpaths.map((s) => s.length)).toEqual([1, 2]);
  });

  it('draws a long series at pixel resolution: a path no longer than the plot is wide, with every column\'s extremes', () => {
    // 20,001 points zigzagging between 0 and 1, ten per pixel column or so.
    const points: Point[] = Array.from({ length: 20_001 }, (_, i) => [i, i % 2 === 0 ? 0.1 : 0.9 - i / 200_000]);
    const svg = lineChartSvg({ ...base, x: { label: 'x', min: 0, max: 20_000 }, series: [{ name: 'm', points, color: '#000' }] })!;
    const area = plotArea(svg);
    const [drawn] = pathPoints(seriesPaths(svg)[0]!);
    expect(drawn!.length).toBeLessThanOrEqual(4 * (Math.ceil(area.width) + 1));
    expect(drawn!.length).toBeGreaterThan(area.width);
    const ys = drawn!.map(([, y]) => y);
    const sy = (v: number): number => area.y + (1 - v) * area.height;
    expect(Math.max(...ys)).toBeCloseTo(sy(0.1), 1);
    expect(Math.min(...ys)).toBeCloseTo(sy(0.9 - 1 / 200_000), 1);
    expect(drawn![0]![0]).toBeCloseTo(area.x, 1);
    expect(drawn![drawn!.length - 1]![0]).toBeCloseTo(area.x + area.width, 1);
    // A short series keeps every point.
    expect(pathPoints(seriesPaths(lineChart(base))[0]!)[0]).toHaveLength(3);
  });

  it('thins a long series to columns, keeping each column\'s extremes, the ends and the breaks', () => {
    const points: Point[] = Array.from({ length: 10_000 }, (_, i) => [i, Math.sin(i / 50)]);
    points[5_000] = [5_000, Number.NaN];
    const thin = thinPoints(points, 100);
    expect(thin.length).toBeLessThanOrEqual(4 * 101 + 1);
    expect(thin[0]).toEqual(points[0]);
    expect(thin[thin.length - 1]).toEqual(points[9_999]);
    expect(thin.filter(([, y]) => Number.isNaN(y))).toHaveLength(1);
    const ys = points.map(([, y]) => y).filter(Number.isFinite);
    expect(Math.max(...thin.map(([, y]) => y).filter(Number.isFinite))).toBe(Math.max(...ys));
    expect(Math.min(...thin.map(([, y]) => y).filter(Number.isFinite))).toBe(Math.min(...ys));
    for (let i = 1; i < thin.length; i++) expect(thin[i]![0]).toBeGreaterThan(thin[i - 1]![0]);
    // Drawn, the thinned points make a line with the same ends, peaks and troughs as all of them.
    const spec = (pts: Point[]): LineChartSpec => ({ ...base, x: { label: 'x' }, y: { label: 'y' }, series: [{ name: 'm', points: pts, color: '#000' }] });
    const [full, thinned] = [points, thinPoints(points, 800)].map((pts) => pathPoints(seriesPaths(lineChartSvg(spec(pts))!)[0]!));
    for (const part of [0, 1]) {
      expect(thinned![part]![0]).toEqual(full![part]![0]);
      expect(thinned![part]!.at(-1)).toEqual(full![part]!.at(-1));
      expect(Math.min(...thinned![part]!.map(([, y]) => y))).toBe(Math.min(...full![part]!.map(([, y]) => y)));
      expect(Math.max(...thinned![part]!.map(([, y]) => y))).toBe(Math.max(...full![part]!.map(([, y]) => y)));
    }
  });

  it('gives the <svg> alone for a page that frames it itself, and null with nothing to draw', () => {
    const svg = lineChartSvg(base)!;
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).not.toContain('<figure');
    expect(lineChart(base)).toContain(svg);
    expect(lineChartSvg({ ...base, series: [] })).toBeNull();
  });

  it('ships its stylesheet with the report', () => {
    expect(CHART_CSS).toMatch(/svg \.tick-label \{/);
    expect(REPORT_CSS).toContain(CHART_CSS);
  });

  it('draws a vertical rule for an x marker and a dot for an (x, y) marker, both in the legend', () => {
    const html = lineChart({ ...base, markers: [{ name: 'threshold 0.3', x: 5, label: 't' }, { name: 'chosen', x: 2.5, y: 0.75 }] });
    const area = plotArea(html);
    const [rule, dot] = [tags(html, 'line', 'marker')[0]!, tags(html, 'circle', 'marker')[0]!];
    expect(attr(rule, 'x1')).toBeCloseTo(area.x + area.width / 2, 1);
    expect(attr(rule, 'y1')).toBeCloseTo(area.y, 1);
    expect(attr(rule, 'y2')).toBeCloseTo(area.y + area.height, 1);
    expect(attr(dot, 'cx')).toBeCloseTo(area.x + area.width / 4, 1);
    expect(attr(dot, 'cy')).toBeCloseTo(area.y + area.height / 4, 1);
    expect(html).toContain('>threshold 0.3</text>');
    expect(html).toContain('>chosen</text>');
  });

  it('draws a band as a closed area between its lower and upper bounds', () => {
    const html = lineChart({ ...base, bands: [{ name: 'range', color: '#00f', points: [{ x: 0, lower: 0, upper: 1 }, { x: 10, lower: 0, upper: 1 }] }] });
    const area = plotArea(html);
    const d = /class="band" d="([^"]*)"/.exec(html)![1]!;
    expect(d.endsWith('Z')).toBe(true);
    expectPoints(pathPoints(d)[0], [
      [area.x, area.y],
      [area.x + area.width, area.y],
      [area.x + area.width, area.y + area.height],
      [area.x, area.y + area.height],
    ]);
  });

  it('fits an automatic domain around the data', () => {
    const html = lineChart({ ...base, x: { label: 'x' }, y: { label: 'y' }, series: [{ name: 'm', points: [[2, 130], [7, 870]], color: '#000' }] });
    const area = plotArea(html);
    const [[first, second]] = pathPoints(seriesPaths(html)[0]!) as [[number, number][]];
    // x domain [2, 7] -> nice [2, 7]; y domain [130, 870] -> nice [0, 1000]
    expect(first![0]).toBeCloseTo(area.x, 1);
    expect(second![0]).toBeCloseTo(area.x + area.width, 1);
    expect(first![1]).toBeCloseTo(area.y + area.height * (1 - 0.13), 1);
  });
});

describe('intervalChart', () => {
  const items = [
    { label: 'completion', value: 0.1, lower: 0.08, upper: 0.12 },
    { label: 'price', value: -0.02, lower: -0.03, upper: 0.01 },
  ];

  it('draws bars from zero to the value and error bars from lower to upper', () => {
    const html = intervalChart({ title: 'Importance', caption: 'c', x: { label: 'drop', min: -0.05, max: 0.15 }, items, valueName: 'mean' });
    const area = plotArea(html);
    const sx = linearScale([-0.05, 0.15], [area.x, area.x + area.width]);
    const bars = tags(html, 'rect', 'bar');
    expect(bars).toHaveLength(2);
    expect(attr(bars[0]!, 'x')).toBeCloseTo(sx(0), 1);
    expect(attr(bars[0]!, 'width')).toBeCloseTo(sx(0.1) - sx(0), 1);
    expect(attr(bars[1]!, 'x')).toBeCloseTo(sx(-0.02), 1);
    const whisker = /<g class="whisker"[^>]*><line ([^>]*)\/>/.exec(html)![1]!;
    expect(attr(` ${whisker}`, 'x1')).toBeCloseTo(sx(0.08), 1);
    expect(attr(` ${whisker}`, 'x2')).toBeCloseTo(sx(0.12), 1);
  });

  it('draws dots instead of bars when asked, and escapes and shortens long labels', () => {
    const long = `<script>${'x'.repeat(200)}`;
    const html = intervalChart({ title: 'T', caption: 'c', x: { label: 'v' }, items: [{ label: long, value: 1 }], bars: false, valueName: 'mean' });
    expect(tags(html, 'circle', 'dot')).toHaveLength(1);
    expect(tags(html, 'rect', 'bar')).toHaveLength(0);
    expect(html).not.toContain('<script>');
    expect(html).toContain(`<title>&lt;script&gt;${'x'.repeat(200)}</title>`);
    expect(html).toContain('…');
  });

  it('gives a "no data" note for no items', () => {
    expect(intervalChart({ title: 'T', caption: 'c', x: { label: 'v' }, items: [], valueName: 'mean' })).toContain('No data to draw.');
  });
});

describe('heatGrid', () => {
  const spec = {
    title: 'Confusion',
    caption: 'c',
    rowTitle: 'actual',
    colTitle: 'predicted',
    rowLabels: ['yes', 'no'],
    colLabels: ['contact', 'skip'],
    cells: [
      [120, 40],
      [60, 780],
    ],
    tone: [
      ['good', 'bad'],
      ['bad', 'good'],
    ] as const,
    toneNames: { good: 'right', bad: 'wrong' },
  };

  it('draws one cell per count, the largest darkest, with the counts as text', () => {
    const html = heatGrid({ ...spec, tone: spec.tone.map((r) => [...r]) });
    const cells = tags(html, 'rect', 'cell');
    expect(cells).toHaveLength(4);
    const lightness = cells.map((c) => {
      const [r, g, b] = /fill="rgb\((\d+),(\d+),(\d+)\)"/.exec(c)!.slice(1).map(Number) as [number, number, number];
      return r + g + b;
    });
    expect(Math.min(...lightness)).toBe(lightness[3]);
    for (const v of ['120', '40', '60', '780']) expect(html).toContain(`>${v}</text>`);
  });

  it('gives a "no data" note without rows', () => {
    expect(heatGrid({ ...spec, rowLabels: [], cells: [], tone: [] })).toContain('No data to draw.');
  });
});
