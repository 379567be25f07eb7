/** The web page in headless Chromium: upload the real customer file, rank, budget, download. */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Browser } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, money } from '../../src/core/format.js';
import { bestBudget, byLikelihood, expectedProfitCurve, type RankedRow } from '../../src/evaluate/profit.js';
import { REAL_CSV } from '../helpers/paths.js';
import { TEST_KEY, makeApp } from './helpers.js';
import { realDeps, syntheticAudiobooks } from './real.js';

const ARTIFACTS = 'test-artifacts';
const hasRealData = existsSync(REAL_CSV);
if (!hasRealData) console.warn(`the web page test uploads a synthetic table: ${REAL_CSV} is absent`);
const HEADER = 'ID,Book length(mins)_overall,Book length(mins)_avg,Price_overall,Price_avg,Review,Review ?/10,Completion,Listened(mins),Support request,Last visited after Purchase date ,Targets';
const HEADER_CANONICAL = 'id,book_length_overall,book_length_avg,price_overall,price_avg,review,review_score,completion,minutes_listened,support_requests,last_visit_days,target';
/** The course's original file: no header row. */
const ORIGINAL_CSV = join(REAL_CSV, '..', 'audiobooks_original_noheader.csv');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`skipping the browser test: ${CHROMIUM} is not installed (apt-get install chromium)`);

describe.skipIf(!haveChromium)('web page in Chromium', () => {
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  /** The customer file to upload: the real one when present. */
  let data: string;
  let customers: number;
  /** Whether the real Predictor and scoreFile serve (they read the course's header-less layout). */
  let real = false;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    data = hasRealData ? REAL_CSV : join(ARTIFACTS, 'synthetic-customers.csv');
    if (!hasRealData) await writeFile(data, syntheticAudiobooks(3000, 11));
    customers = (await readFile(data, 'utf8')).trim().split(/\r?\n/).length - 1;
    // The real bundle, loadPredictor and scoreFile when they load; the fake ones otherwise.
    real = await realDeps.available();
    if (real) {
      const deps = await realDeps.get();
      ({ app } = await makeApp({ load: deps.loadPredictor, scoreFile: deps.scoreFile, bundleDir: deps.bundles[0] }));
    } else {
      ({ app } = await makeApp({ predictor: { synthetic: true } }));
    }
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('uploads the customer file, ranks it, sets a budget and downloads the list', async () => {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('request', (r) => !r.url().startsWith(base) && !r.url().startsWith('blob:') && problems.push(`outside request ${r.url()}`));

    await page.goto(base);
    await expect.poll(() => page.locator('#model-chip').textContent()).toContain('Model');
    await expect.poll(() => page.locator('#model-chip .badge.synthetic').count()).toBe(1);
    await page.locator('#file').setInputFiles(data);
    await page.locator('#results:not([hidden])').waitFor();
    expect(await page.locator('#status').textContent()).toContain(`Scored ${count(customers)} customers`);

    const rows = page.locator('#tbody tr');
    expect(await rows.count()).toBe(50);
    const shown = await page.locator('#tbody tr td:nth-child(3)').allTextContents();
    const asNumbers = shown.map((t) => Number.parseFloat(t.replace(/[^\d.]/g, '')));
    expect(asNumbers).toEqual([...asNumbers].sort((a, b) => b - a));

    // The budget: type 500 customers, then nudge the slider with the keyboard.
    await page.locator('#budget-number').fill('500');
    await expect.poll(() => page.locator('#kpi-contacted').textContent()).toMatch(/^500/);
    await page.locator('#budget').focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('#kpi-contacted').textContent()).toMatch(/^502/);
    const profit = await page.locator('#kpi-profit').textContent();
    await page.locator('#cost').fill('2');
    await expect.poll(() => page.locator('#kpi-profit').textContent()).not.toBe(profit);

    // A budget in percent: 10 % of the customers.
    await page.getByLabel('Top %').check();
    await page.locator('#budget-number').fill('10');
    await expect.poll(() => page.locator('#kpi-contacted').textContent()).toMatch(new RegExp(`^${count(Math.round(customers / 10))}`));
    await page.getByLabel('Top customers').check();
    await page.locator('#budget-number').fill('502');
    await expect.poll(() => page.locator('#kpi-contacted').textContent()).toMatch(/^502/);

    // The page's figures are the shared formula's, for the same ranked list: score the file again here.
    const scored = await fetch(`${base}/v1/scores?reasons=3`, { method: 'POST', headers: { 'content-type': 'text/csv', accept: 'application/json' }, body: await readFile(data) });
    const { rows: ranked } = (await scored.json()) as { rows: RankedRow[] };
    const sorted = Float64Array.from([...ranked].sort(byLikelihood), (r) => r.probability ?? 0);
    const curve = expectedProfitCurve(sorted, 2, 10);
    expect(Number(await page.locator('#kpi-profit').getAttribute('data-value'))).toBe(curve[502]);
    expect(await page.locator('#kpi-profit').textContent()).toMatch(new RegExp(`^${money(curve[502]!)}cost`));
    expect(await page.locator('#kpi-best').textContent()).toMatch(new RegExp(`^${money(bestBudget(curve).profit)}contact top ${count(bestBudget(curve).k)}`));
    // The profit chart is the report's chart module: titled, with axes, the curve and both budgets marked.
    const chart = page.locator('#profit-chart svg');
    expect(await chart.getAttribute('aria-label')).toBe('Expected profit by customers contacted');
    expect(await chart.locator('.axis-label').allTextContents()).toEqual(['Expected profit', 'Customers contacted (most likely first)']);
    expect(await chart.locator('path.series').count()).toBe(1);
    expect(await chart.locator('circle.marker').count()).toBe(2);
    expect(await chart.locator('text.legend').allTextContents()).toEqual([
      'expected profit',
      `best: ${count(bestBudget(curve).k)} customers, ${money(bestBudget(curve).profit)}`,
      `chosen: 502 customers, ${money(curve[502]!)}`,
    ]);
    // The model's training curves are the report's too.
    expect(await page.locator('#model-body figure.chart svg').evaluateAll((svgs) => svgs.map((s) => s.getAttribute('aria-label')))).toEqual(
      ['Loss per epoch', 'Accuracy per epoch'],
    );

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
    const file = join(ARTIFACTS, 'contact-list.csv');
    await download.saveAs(file);
    const lines = (await readFile(file, 'utf8')).trim().split(/\r?\n/);
    // The upload's own columns, then what rebuy adds.
    const header = (await readFile(data, 'utf8')).split(/\r?\n/)[0]!;
    expect(lines[0]).toBe(`${header.split(',').map((c) => (/[",]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(',')},probability,label,rank,expected_profit,reason_1,reason_2,reason_3`);
    expect(lines).toHaveLength(503);
    const at = header.split(',').length;
    const p = lines.slice(1).map((l) => Number(l.split(',')[at]));
    for (let i = 1; i < p.length; i++) expect(p[i]).toBeLessThanOrEqual(p[i - 1]!);

    // Sorting by a header is keyboard-reachable and flips the order.
    await page.locator('th[data-key="probability"] button').press('Enter');
    expect(await page.locator('th[data-key="probability"]').getAttribute('aria-sort')).toBe('descending');

    await page.screenshot({ path: join(ARTIFACTS, 'web-page.png'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });

  it.skipIf(!existsSync(ORIGINAL_CSV))("exports a header-less file's customers whole, under the model's column names", async (ctx) => {
    if (!real) ctx.skip();
    const original = (await readFile(ORIGINAL_CSV, 'utf8')).split(/\r?\n/).slice(0, 300);
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(base);
    await expect.poll(() => page.locator('#model-chip').textContent()).toContain('Model');
    await page.locator('#file').setInputFiles({ name: 'original.csv', mimeType: 'text/csv', buffer: Buffer.from(`${original.join('\n')}\n`) });
    await expect.poll(() => page.locator('#status').textContent()).toContain('Scored 300 customers from original.csv');
    await page.locator('#budget-number').fill('5');
    await expect.poll(() => page.locator('#kpi-contacted').textContent()).toMatch(/^5/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
    const file = join(ARTIFACTS, 'contact-list-original.csv');
    await download.saveAs(file);
    const lines = (await readFile(file, 'utf8')).trim().split('\r\n');
    expect(lines[0]).toBe(`${HEADER_CANONICAL},probability,label,rank,expected_profit,reason_1,reason_2,reason_3`);
    expect(lines).toHaveLength(6);
    for (const line of lines.slice(1)) {
      const own = original.find((l) => l.startsWith(`${line.split(',')[0]},`));
      expect(own, line).toBeDefined();
      expect(line.startsWith(`${own},`)).toBe(true);
    }
    await context.close();
  });

  it('asks for the API key when the server needs one', async () => {
    const { app: secured } = await makeApp({ apiKey: TEST_KEY, predictor: { synthetic: true } });
    const url = await secured.listen({ host: '127.0.0.1', port: 0 });
    const page = await browser.newPage();
    await page.goto(url);
    await page.locator('#key-panel:not([hidden])').waitFor();
    await page.locator('#key-input').fill('wrong-key-0123456789');
    await page.getByRole('button', { name: 'Use key' }).click();
    await expect.poll(() => page.locator('#key-error').textContent()).toMatch(/not accepted/);
    await page.locator('#key-input').fill(TEST_KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    await expect.poll(() => page.locator('#model-chip').textContent()).toContain('Model');
    expect(await page.locator('#key-panel').isHidden()).toBe(true);
    await page.close();
    await secured.close();
  });

  it('renders the API docs page offline', async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    page.on('request', (r) => !r.url().startsWith(base) && !r.url().startsWith('data:') && outside.push(r.url()));
    await page.goto(`${base}/docs`);
    await expect.poll(() => page.locator('.opblock').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(6);
    expect(await page.locator('.opblock-summary-path').allTextContents()).toContain('/v1/predictions');
    expect(outside).toEqual([]);
    await page.close();
  });

  it('shows which line and column of a bad file are wrong', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    await page.locator('#file').setInputFiles({
      name: 'broken.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`${HEADER}\n1,1620,1620,19.73,19.73,1,10,0.99,1603.8,5,92,0\n2,1620,1620,19.73,19.73,1,10,eight,1603.8,5,92,0\n`),
    });
    await page.locator('#file-error:not([hidden])').waitFor();
    const message = await page.locator('#file-error-message').textContent();
    expect(message).toContain('broken.csv:3');
    expect(await page.locator('#file-error-where').textContent()).toMatch(/Line\s*3.*Column\s*Completion/s);
    await page.screenshot({ path: join(ARTIFACTS, 'web-page-error.png') });
    await page.close();
  });
});
