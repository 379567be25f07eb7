/**
 * The page of a model trained on a customer table from a purchase log, in Chromium: BG/NBD's heat
 * map and holdout chart, drawn from the bundle's stored numbers; a model without them shows neither.
 */
import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { type Browser } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluationJson } from '../../src/bundle/evaluation.js';
import { sha256 } from '../../src/bundle/hash.js';
import { EVALUATION_FILE } from '../../src/bundle/layout.js';
import { purchaseModelSummary, repeatByFrequency } from '../../src/purchases/holdout.js';
import { fixed } from '../../src/report/words.js';
import { decidedBundle, decidedPredictor } from './trust-app.js';
import { makeApp } from './helpers.js';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`skipping the page purchases tests: ${CHROMIUM} is not installed (apt-get install chromium)`);

const PARAMS = { r: 0.24, alpha: 30, a: 0.8, b: 2.4 };
const CUSTOMERS = { frequency: [0, 0, 1, 2, 9, 3], recency: [0, 0, 40, 120, 200, 90], age: [210, 230, 250, 260, 270, 240] };
const PURCHASES = purchaseModelSummary(PARAMS, CUSTOMERS, 180, repeatByFrequency(PARAMS, CUSTOMERS, 180, [0, 1, 0, 1, 1, 0], 'held-out'));

/** An app serving the decided fixture bundle, with or without BG/NBD's summary in its evaluation. */
async function servedApp(withPurchases: boolean): Promise<FastifyInstance> {
  const bundle = decidedBundle('support_requests', { report: false });
  if (withPurchases) {
    const json = Buffer.from(evaluationJson({ ...bundle.evaluation, purchases: PURCHASES }));
    bundle.stored.set(EVALUATION_FILE, json);
    bundle.manifest = { ...bundle.manifest, files: { ...bundle.manifest.files, [EVALUATION_FILE]: sha256(json) } };
  }
  const { app } = await makeApp({ load: async () => decidedPredictor(bundle) });
  return app;
}

describe.skipIf(!haveChromium)('the page shows what BG/NBD expects for a model on a purchase log', () => {
  let browser: Browser;
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    for (const app of apps) await app.close();
  });

  async function open(withPurchases: boolean) {
    const app = await servedApp(withPurchases);
    apps.push(app);
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(base);
    await expect.poll(() => page.locator('#model-chip').textContent()).toContain('Model');
    return { page, base };
  }

  it('draws the heat map with the stored expectations and the holdout chart of the held-out customers', async () => {
    const { page, base } = await open(true);
    const info = (await (await fetch(`${base}/v1/model`)).json()) as { purchases: unknown };
    expect(info.purchases).toEqual(PURCHASES);
    const block = page.locator('#purchases-block');
    await expect.poll(() => block.count()).toBe(1);
    expect(await block.locator('p').first().textContent()).toContain('fitted on 6 customers not held out for testing');
    const cells = await block.locator('text.cell-note').allTextContents();
    expect(cells).toEqual(PURCHASES.grid.expected.flat().map((v) => fixed(v, 2)));
    const text = await block.textContent();
    expect(text).toContain('Purchases BG/NBD expects in the next 180 days');
    expect(text).toContain('Predicted vs actual share who bought again in the holdout');
    expect(text).toContain('held-out test customers');
    expect(await block.locator('figure.chart svg').count()).toBe(2);
  }, 120_000);

  it('shows neither chart for a model without them', async () => {
    const { page, base } = await open(false);
    const info = (await (await fetch(`${base}/v1/model`)).json()) as { purchases: unknown };
    expect(info.purchases).toBeNull();
    await expect.poll(() => page.locator('#model-body h3').count()).toBeGreaterThan(0);
    expect(await page.locator('#purchases-block').count()).toBe(0);
  }, 120_000);
});
