/**
 * The page must not mislead a marketer (issue 13): in Chromium, against a model served as `rebuy
 * decide` leaves it (a profit decision at cost 2 and value 30, an audit with a leakage suspect, a
 * baseline, the report).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, percent } from '../../src/core/format.js';
import { computeMetrics } from '../../src/evaluate/metrics.js';
import { byLikelihood, expectedReturns } from '../../src/evaluate/profit.js';
import { REPORT_FILE } from '../../src/bundle/layout.js';
import { TEST_KEY } from './helpers.js';
import { syntheticAudiobooks } from './real.js';
import { DECIDED_THRESHOLD, decidedApp, decidedBundle } from './trust-app.js';

const ARTIFACTS = 'test-artifacts';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`skipping the page trust tests: ${CHROMIUM} is not installed (apt-get install chromium)`);

/** The column the audit flags; the fake explainer names it among the top reasons. */
const SUSPECT = 'support_requests';

/** A customer list with two columns of the marketer's own (an e-mail and a segment) after the model's. */
function customerList(rows: number, seed: number): string {
  const [header, ...lines] = syntheticAudiobooks(rows, seed).trim().split('\n');
  return `${header},email,segment\n${lines.map((l, i) => `${l},c${i}@example.com,seg-${i % 3}`).join('\n')}\n`;
}
const LIST = customerList(400, 5);
const BAD = `${LIST.split('\n')[0]}\n1,1620,1620,twelve dollars,19.73,1,10,0.99,1603.8,5,92,0,x@example.com,a\n`;

interface Scored {
  id: string;
  probability: number | null;
  label: number;
  rank: number;
}

describe.skipIf(!haveChromium)('the page tells one true story', () => {
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let ranked: Scored[];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    app = await decidedApp(SUSPECT);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${base}/v1/scores`, { method: 'POST', headers: { 'content-type': 'text/csv', accept: 'application/json' }, body: LIST });
    ranked = ((await res.json()) as { rows: Scored[] }).rows.sort(byLikelihood);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** A fresh browser profile (nothing stored), on the page with the model loaded. */
  async function open(viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ acceptDownloads: true, viewport });
    const page = await context.newPage();
    await page.goto(base);
    await expect.poll(() => page.locator('#model-chip').textContent()).toContain('Model');
    return { context, page };
  }

  async function uploadList(page: Page, name = 'customers.csv', text = LIST): Promise<void> {
    await page.locator('#file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  }

  async function scored(page: Page, name = 'customers.csv'): Promise<void> {
    await uploadList(page, name);
    await expect.poll(() => page.locator('#status').textContent()).toContain(`Scored ${count(ranked.length)} customers from ${name}`);
    await page.locator('#results:not([hidden])').waitFor();
  }

  async function downloadLines(page: Page): Promise<{ name: string; lines: string[] }> {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
    const file = join(ARTIFACTS, `trust-${download.suggestedFilename()}`);
    await download.saveAs(file);
    return { name: download.suggestedFilename(), lines: (await readFile(file, 'utf8')).trim().split('\r\n') };
  }

  /** Customers the saved decision contacts: those at or above its threshold. */
  const decided = (): number => ranked.filter((r) => (r.probability ?? 0) >= DECIDED_THRESHOLD).length;

  it('leaves no list after a failed upload that could pass for the new file’s', async () => {
    const { context, page } = await open();
    await scored(page, 'good.csv');
    expect((await downloadLines(page)).name).toBe(`good-contact-top-${decided()}.csv`);

    await uploadList(page, 'bad_text.csv', BAD);
    await page.locator('#file-error:not([hidden])').waitFor();
    await expect.poll(() => page.locator('#status').textContent()).toBe('No list: bad_text.csv could not be scored.');
    expect(await page.locator('#plan').isHidden()).toBe(true);
    expect(await page.locator('#results').isHidden()).toBe(true);
    expect(await page.locator('#tbody tr').count()).toBe(0);
    expect(await page.locator('#download').isDisabled()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'trust-failed-upload.png'), fullPage: true });
    await context.close();
  });

  it('starts from the saved decision, keeps badge, contact mark, counts and download in agreement, and remembers the user’s settings', async () => {
    const { context, page } = await open();
    expect(await page.locator('#cost').inputValue()).toBe('2');
    expect(await page.locator('#value').inputValue()).toBe('30');
    await scored(page);
    const k = decided();
    expect(await page.locator('#kpi-contacted').textContent()).toMatch(new RegExp(`^${count(k)}`));
    await page.locator('#page-size').selectOption('250');
    const agree = async (contacted: number): Promise<void> => {
      const rows = await page.locator('#tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.children[3]?.textContent, tr.children[4]?.textContent]));
      const shown = rows.slice(0, Math.min(250, ranked.length));
      expect(shown.filter(([badge]) => badge === 'above')).toHaveLength(Math.min(contacted, 250));
      for (const [badge, contact] of shown) expect(contact === 'Contact').toBe(badge === 'above');
      expect((await downloadLines(page)).lines).toHaveLength(contacted + 1);
    };
    await agree(k);

    await page.locator('#cost').fill('3');
    await page.locator('#budget-number').fill('120');
    await expect.poll(() => page.locator('#kpi-contacted').textContent()).toMatch(/^120/);
    await agree(120);

    await page.reload();
    await expect.poll(() => page.locator('#cost').inputValue()).toBe('3');
    await scored(page);
    await expect.poll(() => page.locator('#kpi-contacted').textContent()).toMatch(/^120/);

    await page.locator('#reset-settings').click();
    await expect.poll(() => page.locator('#kpi-contacted').textContent()).toMatch(new RegExp(`^${count(k)}`));
    expect(await page.locator('#cost').inputValue()).toBe('2');
    await page.reload();
    await expect.poll(() => page.locator('#model-chip').textContent()).toContain('Model');
    expect(await page.locator('#cost').inputValue()).toBe('2');
    await context.close();
  });

  it('exports the upload’s own columns with probability, label, rank, expected profit and the top reasons', async () => {
    const { context, page } = await open();
    await scored(page);
    await page.locator('#budget-number').fill('25');
    await expect.poll(() => page.locator('#kpi-contacted').textContent()).toMatch(/^25/);
    const { lines } = await downloadLines(page);
    const header = LIST.split('\n')[0]!;
    expect(header).toMatch(/,target,email,segment$/);
    expect(lines[0]).toBe(`${header},probability,label,rank,expected_profit,reason_1,reason_2,reason_3`);
    expect(lines).toHaveLength(26);
    const first = ranked[0]!;
    const own = LIST.split('\n').find((l) => l.startsWith(`${first.id},`))!;
    expect(lines[1]!.startsWith(`${own},`)).toBe(true);
    const tail = lines[1]!.slice(own.length + 1).split(',');
    expect(tail.slice(0, 4)).toEqual([first.probability!.toFixed(6), '1', '1', (first.probability! * 30 - 2).toFixed(2)]);
    // The first reason is the leading actionable one (listening, support or recency: no comma in its words).
    expect(tail[4]).toMatch(/: ((raises|lowers) the chance by \d+\.\d points?|makes almost no difference)$/);
    await context.close();
  });

  it('shows the audit’s caveats beside the results, marks reasons from a suspect column, and links the report', async () => {
    const { context, page } = await open();
    await scored(page);
    const caveats = page.locator('#results #caveats');
    await caveats.waitFor();
    expect(await caveats.locator('li').allTextContents()).toEqual([
      'All 1,204 customers with "last_visit_days" ≥ 300 bought again: a possible leak.',
      'Only 15.9 % of customers bought again.',
    ]);
    const reasons = page.locator('#tbody .reason');
    const features = await page.locator('#tbody .reason.suspect').count();
    expect(features).toBeGreaterThan(0);
    for (const text of await page.locator('#tbody .reason.suspect').allTextContents()) expect(text).toMatch(/^⚠ /);
    expect(await reasons.count()).toBeGreaterThan(features);

    const link = caveats.getByRole('link', { name: "Read the model's full report" });
    expect(await link.getAttribute('href')).toBe('/report');
    const [report] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await report.waitForLoadState();
    expect(await report.title()).toBe('Model report');
    expect(await report.locator('h2', { hasText: 'Summary' }).count()).toBe(1);
    expect(await page.locator('#report-link').isVisible()).toBe(true);
    await context.close();
  });

  it('saves the report with the key when the server asks for one, since a link cannot send it', async () => {
    const secured = await decidedApp(SUSPECT, { server: { apiKey: TEST_KEY } });
    const url = await secured.listen({ host: '127.0.0.1', port: 0 });
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('#key-input').fill(TEST_KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.locator('#report-link:not([hidden])').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#report-link').click()]);
    expect(download.suggestedFilename()).toBe(`report-${'a'.repeat(10)}.html`);
    const saved = join(ARTIFACTS, 'trust-report.html');
    await download.saveAs(saved);
    expect(await readFile(saved, 'utf8')).toBe(decidedBundle(SUSPECT).stored.get(REPORT_FILE)!.toString('utf8'));
    await context.close();
    await secured.close();
  });

  it('says the profit credits every buyer, shows the user’s currency, whole buyers and no jargon', async () => {
    const { context, page } = await open();
    await scored(page);
    expect(await page.locator('#profit-caveat').textContent()).toMatch(/credits every expected buyer to the contact, including customers who would have bought anyway/);
    const k = decided();
    const returns = expectedReturns(Float64Array.from(ranked, (r) => r.probability ?? 0), k);
    expect(await page.locator('#kpi-returns').evaluate((dd) => dd.firstChild?.textContent)).toBe(`about ${count(returns)}`);
    await page.locator('#currency').fill('€');
    await expect.poll(() => page.locator('#kpi-profit').textContent()).toMatch(/^€ /);
    expect(await page.locator('#kpi-best').textContent()).toMatch(/^€ /);
    const text = await page.locator('body').innerText();
    expect(text).not.toMatch(/calibrated \(prior\)|\(prior\)/);
    expect(await page.locator('#calibration-note').textContent()).toMatch(/adjusted to the real share of customers who buy again/);
    await context.close();
  });

  it('is usable on a 390×844 phone', async () => {
    const { context, page } = await open({ width: 390, height: 844 });
    await scored(page);
    const width = 390;
    // The header: items never start a line with a separator.
    const chip = await page.locator('#model-chip').evaluate((el) => ({ text: el.textContent ?? '', loose: Array.from(el.childNodes).filter((n) => n.nodeType === 3 && (n.textContent ?? '').trim()).length }));
    expect(chip.loose).toBe(0);
    expect(chip.text).not.toContain('·');
    // The table: Prediction, Contact and the reasons of the first customer are on screen.
    const first = page.locator('#tbody tr').first();
    for (const cell of [first.locator('td').nth(3), first.locator('td').nth(4), first.locator('td.reasons')]) {
      expect(await cell.isVisible()).toBe(true);
      const box = (await cell.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(width);
    }
    for (const th of ['label', 'chosen']) {
      const box = (await page.locator(`th[data-key="${th}"]`).boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(width);
    }
    expect(await first.locator('td.reasons .reason').count()).toBeGreaterThan(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
    // The charts' tick labels as drawn on screen.
    const sizes = await page.locator('#profit-chart svg .tick-label, #model-body svg .tick-label').evaluateAll((labels) =>
      labels.map((t) => parseFloat(getComputedStyle(t).fontSize) * ((t as SVGGraphicsElement).getScreenCTM()?.a ?? 0)),
    );
    expect(sizes.length).toBeGreaterThan(0);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(10);
    await page.screenshot({ path: join(ARTIFACTS, 'trust-phone.png'), fullPage: true });
    await context.close();
  });

  it('compares model and baseline at the same threshold, and says which', async () => {
    const { context, page } = await open();
    const { evaluation } = decidedBundle(SUSPECT);
    const model = computeMetrics(evaluation.naturalTest.probability, evaluation.naturalTest.label, DECIDED_THRESHOLD);
    const baseline = computeMetrics(evaluation.baselineNaturalTest!.probability, evaluation.baselineNaturalTest!.label, DECIDED_THRESHOLD);
    const table = page.locator('#model-body table.metrics');
    await table.waitFor();
    const heads = await table.locator('thead th').allTextContents();
    expect(heads).toEqual(['Metric', 'Balanced test (threshold 0.5)', 'Model, natural mix', 'Baseline, natural mix']);
    const accuracy = await table.locator('tbody tr', { hasText: /^Accuracy/ }).locator('td').allTextContents();
    expect(accuracy.slice(1)).toEqual([percent(model.accuracy), percent(baseline.accuracy)]);
    expect(await page.locator('#metrics-note').textContent()).toContain(`both at the threshold ${DECIDED_THRESHOLD.toFixed(3)} this server uses`);
    await context.close();
  });

  it('draws the charts cleanly and says what a file needs', async () => {
    const { context, page } = await open();
    // The model's date and threshold are separate items, not run together.
    expect(await page.locator('#model-chip .chip-item').allTextContents()).toEqual([expect.stringMatching(/^Model /), expect.stringMatching(/^trained \S+$/), 'threshold 0.30']);
    expect(await page.locator('#columns-hint').textContent()).toMatch(/^Columns this model reads: id, book_length_overall, .*last_visit_days\./);
    const [sample] = await Promise.all([page.waitForEvent('download'), page.locator('#sample-link').click()]);
    const sampleFile = join(ARTIFACTS, 'trust-sample.csv');
    await sample.saveAs(sampleFile);
    expect((await readFile(sampleFile, 'utf8')).split('\r\n')[0]).toBe('id,book_length_overall,book_length_avg,price_overall,price_avg,review,review_score,completion,minutes_listened,support_requests,last_visit_days');

    await scored(page);
    // The y-axis title clears every tick label, even the widest (large losses, with a minus sign).
    await page.locator('#cost').fill('9000');
    await page.locator('#value').fill('1000');
    await expect.poll(() => page.locator('#profit-chart svg .tick-label').allTextContents()).toContain('−3,000,000');
    const overlaps = await page.locator('#profit-chart svg').evaluate((svg) => {
      const title = svg.querySelectorAll('.axis-label')[0]!.getBoundingClientRect();
      return Array.from(svg.querySelectorAll('.tick-label')).filter((t) => {
        const r = t.getBoundingClientRect();
        return r.left < title.right && r.right > title.left && r.top < title.bottom && r.bottom > title.top;
      }).length;
    });
    expect(overlaps).toBe(0);
    // The training charts end at the last epoch.
    const history = decidedBundle(SUSPECT).manifest.model.history;
    const ends = await page.locator('#model-body figure.chart svg').evaluateAll((svgs) =>
      svgs.map((svg) => {
        const area = svg.querySelector('.plot-area')!.getBoundingClientRect();
        const line = svg.querySelector('path.series')!.getBoundingClientRect();
        return Math.abs(area.right - line.right);
      }),
    );
    expect(history.length).toBeGreaterThan(1);
    for (const gap of ends) expect(gap).toBeLessThan(2);
    await context.close();
  });
});
