/**
 * A list is read with the model that scored it: when the server swaps its model after the page was
 * opened, the page shows the new model's threshold and identity beside the new list, not the old ones.
 */
import { existsSync } from 'node:fs';
import { type Browser } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { ModelHolder } from '../../src/server/model-holder.js';
import { fakePredictor } from './fakes.js';
import { makeApp } from './helpers.js';
import { syntheticAudiobooks } from './real.js';
import { decidedBundle, decidedPredictor } from './trust-app.js';

const haveChromium = existsSync(CHROMIUM);
const NEW_HASH = 'b'.repeat(64);

describe.skipIf(!haveChromium)('the page after the server swaps its model', () => {
  let app: FastifyInstance;
  let models: ModelHolder;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    let loads = 0;
    const first = decidedBundle('support_requests');
    // The first load serves the decided model (threshold 0.3); the next one another model (0.5).
    ({ app, models } = await makeApp({ load: async () => (loads++ === 0 ? decidedPredictor(first) : fakePredictor({ hash: NEW_HASH, explain: true })) }));
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('shows the model that scored the list', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(base);
    await expect.poll(() => page.locator('#model-chip').textContent()).toContain('threshold 0.30');
    await models.load();
    await page.locator('#file').setInputFiles({ name: 'list.csv', mimeType: 'text/csv', buffer: Buffer.from(syntheticAudiobooks(50, 3)) });
    await page.locator('#results:not([hidden])').waitFor();
    await expect.poll(() => page.locator('#model-chip').textContent()).toContain('threshold 0.50');
    expect(await page.locator('#model-chip').textContent()).toContain(NEW_HASH.slice(0, 10));
  });
});
