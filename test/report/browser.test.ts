/** End to end: bundle on disk -> buildReport -> the page in headless Chromium. */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import { saveBundle } from '../../src/bundle/save.js';
import { buildReport } from '../../src/app/report.js';
import { EVALUATION_FILE } from '../../src/bundle/layout.js';
import { fixed } from '../../src/report/words.js';
import { makeFixture } from './fixtures.js';

const hasChromium = existsSync(CHROMIUM);
const ARTIFACTS = resolve('test-artifacts');
if (!hasChromium) console.warn(`report browser test SKIPPED: ${CHROMIUM} is absent (install it with apt-get install -y chromium)`);

interface ChartState {
  title: string | null;
  empty: boolean;
  width: number;
  height: number;
  drawnShapes: number;
}

describe.skipIf(!hasChromium)('the report in headless Chromium', () => {
  let root: string;
  let browser: Browser;
  let url: string;
  const fixture = makeFixture({ synthetic: true });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'rebuy-report-'));
    const { files: _files, ...draft } = fixture.manifest;
    const dir = join(root, 'model');
    await saveBundle(dir, draft, new Map([[EVALUATION_FILE, JSON.stringify(fixture.evaluation)]]));
    const { path } = await buildReport({ model: dir });
    url = pathToFileURL(path).href;
    await mkdir(ARTIFACTS, { recursive: true });
    await copyFile(path, join(ARTIFACTS, 'report.html'));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await rm(root, { recursive: true, force: true });
  });

  async function open(width: number): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('request', (req) => {
      if (req.url() !== url) requests.push(req.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    return { page, errors, requests };
  }

  it('draws every chart, logs no errors, makes no requests, and keeps a screenshot', async () => {
    const { page, errors, requests } = await open(1200);
    const charts: ChartState[] = await page.$$eval('figure.chart', (figures) =>
      figures.map((fig) => {
        const svg = fig.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        const shapes = svg ? Array.from(svg.querySelectorAll<SVGGraphicsElement>('.series, .band, .bar, .cell, .dot, .marker')) : [];
        const drawn = shapes.filter((s) => {
          const b = s.getBBox();
          return b.width > 0 || b.height > 0;
        });
        return {
          title: svg?.getAttribute('aria-label') ?? fig.textContent,
          empty: fig.classList.contains('chart-empty'),
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          drawnShapes: drawn.length,
        };
      }),
    );
    expect(charts.map((c) => c.title)).toEqual([
      'Loss per epoch',
      'Accuracy per epoch',
      'ROC curve',
      'Precision–recall curve',
      'Reliability diagram',
      `Decisions at threshold ${fixed(fixture.manifest.threshold)} on 1,409 test customers`,
      'Cumulative gains',
      'Cumulative lift by decile',
      'Profit per 1,000 customers',
      'Permutation importance',
      'ROC-AUC over 10 splits',
    ]);
    for (const c of charts) {
      expect(c.empty, `${c.title} is empty`).toBe(false);
      expect(c.width, `${c.title} width`).toBeGreaterThan(200);
      expect(c.height, `${c.title} height`).toBeGreaterThan(100);
      expect(c.drawnShapes, `${c.title} shapes`).toBeGreaterThan(0);
    }
    // Every chart that involves the threshold marks it.
    const thresholdCharts = await page.$$eval('figure.chart svg', (svgs) =>
      svgs.filter((s) => s.querySelector('.marker') && /threshold/.test(s.textContent ?? '')).map((s) => s.getAttribute('aria-label')),
    );
    expect(thresholdCharts).toEqual(['ROC curve', 'Precision–recall curve', 'Reliability diagram', 'Cumulative gains', 'Cumulative lift by decile', 'Profit per 1,000 customers']);
    expect(await page.locator('.banner').textContent()).toContain('Synthetic demo data');
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    await page.close();
  });

  it('fits a phone-width screen without sideways scrolling', async () => {
    const { page, errors } = await open(400);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'report-narrow.png'), fullPage: true });
    await page.close();
  });
});
