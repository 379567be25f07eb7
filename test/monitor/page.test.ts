/** The page's Monitor tab in Chromium: upload a list, read its drift and the expected figures for that list. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type Browser } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from '../server/helpers.js';
import { realDeps, syntheticAudiobooks } from '../server/real.js';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`skipping the Monitor tab's browser test: ${CHROMIUM} is not installed (apt-get install chromium)`);
const available = haveChromium && (await realDeps.available());

describe.skipIf(!available)('the Monitor tab', () => {
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let csv: string;

  beforeAll(async () => {
    const real = await realDeps.get();
    ({ app } = await makeApp({ load: real.loadPredictor, scoreFile: real.scoreFile, bundleDir: real.bundles[0] }));
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    csv = await readFile(real.sampleCsv, 'utf8');
    browser = await launchChromium();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows the summary, the drift table and the expected figures of the uploaded list', async () => {
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(base);
    await page.locator('a[href="#monitor"]').click();
    await page.locator('#monitor-file').setInputFiles({ name: 'week.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.locator('#monitor-results:not([hidden])').waitFor();
    expect(await page.locator('#monitor-summary p').first().textContent()).toMatch(/^This list of 300 customers/);
    // Ten features and the predicted probability.
    expect(await page.locator('#monitor-drift tbody tr').count()).toBe(11);
    expect(await page.locator('#monitor-drift tbody tr').last().locator('td').first().textContent()).toBe('predicted probability');
    const customers = page.locator('#monitor-performance tbody tr').first().locator('td');
    expect(await customers.nth(2).textContent()).toBe('300');
    // The figures name the model that computed them (the server may swap models after the page loaded).
    const served = (await app.inject({ method: 'GET', url: '/v1/model' })).json() as { hash: string };
    expect(await page.locator('#monitor-status').textContent()).toBe(`week.csv: compared with the training data of model ${served.hash.slice(0, 12)}.`);
    expect(errors).toEqual([]);
  });

  it('draws an alert and the changed columns as warnings, and nothing else', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(base);
    await page.locator('a[href="#monitor"]').click();
    // Every length, price and listening figure tripled: more than half of the features differ.
    const [header, ...rows] = csv.trim().split('\n');
    const tripled = ['book_length_overall', 'book_length_avg', 'price_overall', 'price_avg', 'minutes_listened', 'last_visit_days'].map((c) => header!.split(',').indexOf(c));
    const shifted = rows.map((line) => line.split(',').map((cell, i) => (tripled.includes(i) ? String(Number(cell) * 3) : cell)).join(','));
    await page.locator('#monitor-file').setInputFiles({ name: 'dear.csv', mimeType: 'text/csv', buffer: Buffer.from([header, ...shifted].join('\n')) });
    await page.locator('#monitor-results:not([hidden])').waitFor();
    const verdict = page.locator('#monitor-verdict');
    expect(await verdict.textContent()).toBe('Alert: this list differs from the training data.');
    const [verdictBackground, cardBackground] = await page.evaluate(() => [
      getComputedStyle(document.getElementById('monitor-verdict')!).backgroundColor,
      getComputedStyle(document.getElementById('monitor-results')!.closest('.card') ?? document.body).backgroundColor,
    ]);
    expect(verdictBackground).not.toBe(cardBackground);
    expect(verdictBackground).not.toBe('rgba(0, 0, 0, 0)');
    const drift = await page.locator('#monitor-drift tbody tr').evaluateAll((trs) =>
      (trs as HTMLTableRowElement[]).map((tr) => ({ column: tr.cells[0]!.textContent, changed: tr.cells[2]!.textContent, flagged: tr.classList.contains('flagged') })),
    );
    expect(drift.find((r) => r.column === 'price_overall')).toEqual({ column: 'price_overall', changed: 'yes', flagged: true });
    for (const row of drift) expect(row.flagged, row.column ?? '').toBe(row.changed === 'yes');
    expect(drift.some((r) => !r.flagged)).toBe(true);
  });

  it('says why a list could not be monitored', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(base);
    const lines = syntheticAudiobooks(20, 5).split('\n');
    lines[2] = lines[2]!.replace(/^([^,]*),[^,]*/, '$1,long');
    await page.locator('#monitor-file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });
    await expect.poll(() => page.locator('#monitor-status').textContent()).toMatch(/^bad\.csv could not be monitored: upload\.csv:3, column "book_length_overall": not a number \(value "long"\)/);
    expect(await page.locator('#monitor-results').isHidden()).toBe(true);
  });
});
