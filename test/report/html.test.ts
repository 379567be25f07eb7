import { describe, expect, it } from 'vitest';
import { auditTable } from '../../src/audit/audit.js';
import type { Table } from '../../src/core/table.js';
import { computeMetrics } from '../../src/evaluate/metrics.js';
import { evaluationJson, parseEvaluation } from '../../src/bundle/evaluation.js';
import { renderReport } from '../../src/report/html.js';
import { fixed, money } from '../../src/report/words.js';
import { makeFixture, type Fixture } from './fixtures.js';

const SECTIONS = ['summary', 'audit', 'training', 'ranking', 'calibration', 'confusion', 'decision', 'importance', 'leaderboard', 'details'];

function sectionIds(html: string): string[] {
  return [...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1]!);
}

function sectionHtml(html: string, id: string): string {
  const start = html.indexOf(`<section id="${id}"`);
  expect(start, `section ${id}`).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&amp;': '&' };

/** Visible text of some markup: tags removed, entities decoded. */
function textOf(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(lt|gt|quot|#39|amp);/g, (e) => ENTITIES[e]!)
    .replace(/\s+/g, ' ');
}

function without(fixture: Fixture, changes: Partial<Fixture['evaluation']>): Fixture {
  return { manifest: fixture.manifest, evaluation: { ...fixture.evaluation, ...changes } };
}

describe('renderReport', () => {
  const fixture = makeFixture();
  const html = renderReport(fixture);

  it('is one self-contained page: no scripts, no external resources', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    const urls = [...html.matchAll(/(?:https?:)?\/\/[^\s"'<)]+/g)].map((m) => m[0]);
    expect(urls.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
    expect(html).toContain(`Content-Security-Policy" content="default-src 'none'`);
  });

  it('has every section, in reading order, with the summary first', () => {
    expect(sectionIds(html)).toEqual(SECTIONS);
    for (const id of SECTIONS) expect(html).toContain(`href="#${id}"`);
  });

  it('states ranking quality, balanced accuracy and the baseline in words', () => {
    const summary = textOf(sectionHtml(html, 'summary'));
    const auc = fixture.manifest.model.metrics.naturalTest!.rocAuc;
    expect(summary).toContain(`Out of 100 pairs of one buyer and one non-buyer, the model gives the buyer the higher score ${Math.round(auc * 100)} times`);
    expect(summary).toMatch(/a balanced accuracy of \d+\.\d %/);
    expect(summary).toContain('A simple logistic regression (the baseline)');
    expect(summary).toContain('"2x50 relu" ranks first by ROC-AUC');
  });

  it('explains the decision per 1,000 customers with the counts at the threshold', () => {
    const { probability, label } = fixture.evaluation.naturalTest;
    const [[, fp], [, tp]] = computeMetrics(probability, label, fixture.manifest.threshold).confusion;
    const per1000 = (v: number): string => Math.round((v / probability.length) * 1000).toLocaleString('en-US');
    const summary = textOf(sectionHtml(html, 'summary'));
    expect(summary).toContain(`at least ${fixed(fixture.manifest.threshold)}`);
    expect(summary).toContain('the threshold with the best F1 score');
    expect(summary).toContain(`Out of 1,000 customers it would contact ${per1000(tp + fp)}. About ${per1000(tp)} of them would buy again`);
  });

  it('puts the expected profit from probabilities beside the realized profit on customers that played no part in choosing', () => {
    const { probability, label } = fixture.evaluation.naturalTest;
    const { threshold } = fixture.manifest;
    let expected = 0;
    let realized = 0;
    probability.forEach((v, i) => {
      if (v < threshold) return;
      expected += v * 30 - 2;
      realized += label[i]! * 30 - 2;
    });
    const per1000 = (v: number): string => money((v / probability.length) * 1000);
    const summary = textOf(sectionHtml(html, 'summary'));
    expect(summary).toContain('the list was chosen on the validation part (reweighted to the natural share of buyers)');
    expect(summary).toContain(`The probabilities expect it to earn ${per1000(expected)} per 1,000 customers`);
    expect(summary).toMatch(
      new RegExp(`who played no part in choosing it, it earned ${per1000(realized)} per 1,000 \\(95 % range for another group like them [\\d,−]+ to [\\d,−]+; chance of a loss \\d+ %\\)`),
    );
    expect(summary).toMatch(/In hindsight the most profitable number on those same customers was [\d,]+ of 1,000 .*an optimistic figure/);
    const decision = textOf(sectionHtml(html, 'decision'));
    expect(decision).toContain('Expected profit (from probabilities) Realized profit (test customers) 95 % interval');
    expect(decision).toContain(`${per1000(expected)} ${per1000(realized)}`);
  });

  it('names the rule of a profit objective and of the training default', () => {
    const byProfit = makeFixture();
    byProfit.manifest.thresholdObjective = { kind: 'profit', contactCost: 2, valuePerReturn: 30 };
    expect(textOf(sectionHtml(renderReport(byProfit), 'decision'))).toContain('The list was chosen by expected profit from the calibrated probabilities');
    const byDefault = makeFixture();
    byDefault.manifest.thresholdObjective = { kind: 'balanced' };
    expect(textOf(sectionHtml(renderReport(byDefault), 'decision'))).toContain("The list was chosen by the training's fixed rule, using no labels");
  });

  it('lists the audit problems among the caveats and the findings in their section', () => {
    const summary = textOf(sectionHtml(html, 'summary'));
    expect(summary).toContain('The data audit found 1 problem and 1 warning');
    const audit = sectionHtml(html, 'audit');
    expect(audit).toContain('badge-problem');
    expect(audit).toContain('is missing in 12 rows.');
  });

  it('flags synthetic data prominently', () => {
    expect(html.includes('callout-danger banner')).toBe(false);
    const synthetic = renderReport(makeFixture({ synthetic: true }));
    const banner = synthetic.indexOf('class="callout callout-danger banner"');
    expect(banner).toBeGreaterThan(0);
    expect(banner).toBeLessThan(synthetic.indexOf('<section id="summary"'));
    expect(textOf(sectionHtml(synthetic, 'summary'))).toContain('Trained on synthetic demo data');
  });

  it('marks the threshold in every chart that involves it', () => {
    const t = fixed(fixture.manifest.threshold);
    for (const id of ['ranking', 'calibration', 'decision']) {
      const section = sectionHtml(html, id);
      for (const svg of section.match(/<svg[\s\S]*?<\/svg>/g)!) {
        expect(svg, id).toContain('class="marker"');
        expect(svg, id).toContain(`threshold ${t}`);
      }
    }
    expect(sectionHtml(html, 'confusion')).toContain(`Decisions at threshold ${t}`);
  });

  it('shows calibration before and after the correction, with the method in words', () => {
    const section = textOf(sectionHtml(html, 'calibration'));
    expect(section).toContain('before correction (ECE');
    expect(section).toContain('after correction (ECE');
    expect(section).toContain('A prior correction shifts its scores back to the real share of buyers');
  });

  it('without money settings shows gains only and says how to set them', () => {
    const page = renderReport(without(makeFixture({ money: null }), {}));
    const decision = sectionHtml(page, 'decision');
    expect(decision).toContain('rebuy decide --contact-cost C --value-per-return V');
    expect(decision).toContain('Cumulative gains');
    expect(decision).not.toContain('Profit per 1,000');
    expect(textOf(sectionHtml(page, 'summary'))).not.toContain('this plan earns');
  });

  it('escapes feature names and file names from the data', () => {
    const evil = '<script>alert(1)</script>';
    const f = makeFixture({ featureNames: ['completion', evil, 'x" onmouseover="alert(2)'] });
    f.manifest.data.files = ['<img src=x onerror=alert(3)>.csv'];
    const page = renderReport({ ...f, source: 'models/<b>m</b>' });
    expect(page).not.toMatch(/<script|<img|<b>|onmouseover="/);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('&lt;img src=x onerror=alert(3)&gt;.csv');
    expect(page).toContain('models/&lt;b&gt;m&lt;/b&gt;');
  });

  it('leaves out the optional sections when their data is absent', () => {
    const page = renderReport(without(fixture, { audit: null, importance: null, leaderboard: null }));
    expect(sectionIds(page)).toEqual(SECTIONS.filter((s) => !['audit', 'importance', 'leaderboard'].includes(s)));
    expect(textOf(sectionHtml(page, 'summary'))).toContain('All numbers come from one test set of 1,409 customers');
  });

  it('works without a baseline and without training history', () => {
    const f = makeFixture();
    f.manifest.baseline = null;
    f.manifest.model.history = [];
    const page = renderReport(without(f, { baselineNaturalTest: null }));
    expect(textOf(sectionHtml(page, 'summary'))).not.toContain('logistic regression');
    expect(sectionHtml(page, 'training')).toContain('No data to draw. The bundle records no training history.');
  });

  it("shows an ensemble's training as its members' training, each member named with its own curves", () => {
    const f = makeFixture();
    const network = f.manifest.model;
    const member = (name: string, kind: 'network' | 'logistic', k: number) => ({
      name,
      kind,
      preset: kind === 'network' ? '2x50' : null,
      config: kind === 'network' ? network.config : null,
      calibration: f.manifest.calibration,
      history: kind === 'network' ? network.history : [],
      bestEpoch: kind === 'network' ? network.bestEpoch : 0,
      trainSeconds: 1.5 + k,
      files: { topology: `member-${k + 1}.json`, weights: `member-${k + 1}.weights.bin` },
    });
    f.manifest.model = {
      ...network,
      name: 'mean(2x50, logistic)',
      kind: 'ensemble',
      config: null,
      history: [],
      members: [member('2x50', 'network', 0), member('logistic', 'logistic', 1)],
    };
    const training = sectionHtml(renderReport(f), 'training');
    const text = textOf(training);
    expect(text).toContain('the mean of the calibrated probabilities of 2 models');
    expect(text).toContain('Member 1: 2x50');
    expect(text).toContain('Member 2: logistic');
    expect(text).toContain(`in 1.5 s; the weights of epoch ${network.bestEpoch}`);
    // The member with a history gets its loss and accuracy charts; the one without draws none.
    expect(training.match(/<svg/g)).toHaveLength(2);
  });

  it('renders "no data" notes instead of broken charts when nothing was scored', () => {
    const empty = { probability: [], label: [] };
    const page = renderReport(without(makeFixture(), { naturalTest: empty, naturalTestUncalibrated: empty, baselineNaturalTest: null, importance: [] }));
    for (const id of ['ranking', 'calibration', 'confusion', 'decision']) expect(sectionHtml(page, id)).toContain('No data to draw.');
    expect(page).not.toContain('NaN');
  });

  it('is deterministic', () => {
    expect(renderReport(makeFixture())).toBe(html);
  });
});

describe('the stored audit', () => {
  it('accepts what auditTable produces and renders its findings', () => {
    const n = 400;
    const review = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? Number.NaN : i % 10));
    const table: Table = {
      source: 'customers.csv',
      schema: { name: 'custom', id: null, target: 'target', features: [{ name: 'review', kind: 'numeric' }] },
      nRows: n,
      ids: Array.from({ length: n }, (_, i) => String(i + 1)),
      target: Uint8Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : 0)),
      numeric: new Map([['review', review]]),
      categorical: new Map(),
      firstDataLine: 2,
    };
    const report = auditTable(table);
    const stored = parseEvaluation(evaluationJson({ ...makeFixture().evaluation, audit: report }), 'm').audit;
    expect(stored).toEqual(report);
    const page = renderReport(without(makeFixture(), { audit: stored }));
    const audit = sectionHtml(page, 'audit');
    expect(report.findings.length).toBeGreaterThan(0);
    for (const f of report.findings) expect(textOf(audit)).toContain(f.message.replace(/\s+/g, ' '));
  });

  it('refuses a stored audit that does not have the expected shape, naming the field', () => {
    const evaluation = JSON.parse(evaluationJson(makeFixture().evaluation));
    evaluation.audit.findings[1].severity = 'fatal';
    expect(() => parseEvaluation(JSON.stringify(evaluation), 'models/m')).toThrow(/evaluation\.json: audit\.findings\[1\]/);
    expect(() => parseEvaluation(JSON.stringify({ ...evaluation, audit: { hello: 1 } }), 'models/m')).toThrow(/evaluation\.json: audit/);
  });
});
