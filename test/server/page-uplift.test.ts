/**
 * The page with an uplift bundle (Hillstrom, two e-mails against none), driven in Chromium: it
 * shows the held-out Qini curves and uplift at k, and for an uploaded list the contact list, the
 * put-off customers apart, and an expected incremental profit equal to the API's for exactly that
 * list — at the settings it was scored with and after the user changes them. A failed upload leaves
 * nothing of the previous list on screen.
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decideUplift } from '../../src/app/uplift-decide.js';
import type { FastifyInstance } from 'fastify';
import { type Browser, type Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPredictor } from '../../src/predict/predictor.js';
import { makeApp } from './helpers.js';
import { upliftDeps, type UpliftDeps } from './real.js';

const pending = upliftDeps();

interface ApiRow {
  id: string;
  send: string;
  expected_incremental_profit: number;
  put_off: boolean;
}

describe.skipIf(!existsSync(CHROMIUM) || pending === null)('the uplift view of the page', () => {
  let deps: UpliftDeps;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let list: Buffer;

  beforeAll(async () => {
    deps = await pending!;
    list = await readFile(deps.listCsv);
    ({ app } = await makeApp({ load: () => loadPredictor(deps.bundle, { threads: 1 }) }));
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  /** The API's answer for the list at these settings. */
  async function apiAnswer(cost: number, value: number) {
    const res = await app.inject({
      method: 'POST',
      url: `/v1/scores?contact_cost=${cost}&value_per_return=${value}`,
      headers: { 'content-type': 'text/csv', accept: 'application/json' },
      payload: list,
    });
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  /** The contact list the page shows, every page of it, in its order. */
  async function shownContacts(page: Page): Promise<{ id: string; send: string }[]> {
    while (!(await page.locator('#uplift-prev').isDisabled())) await page.locator('#uplift-prev').click();
    const out: { id: string; send: string }[] = [];
    for (;;) {
      out.push(...(await page.locator('#uplift-contacts-body tr').evaluateAll((rows) => rows.map((r) => ({ id: (r as HTMLElement).dataset.id!, send: (r as HTMLElement).dataset.send! })))));
      if (await page.locator('#uplift-next').isDisabled()) return out;
      await page.locator('#uplift-next').click();
    }
  }

  /** The API's contact list in the page's order: highest expected incremental profit first, then file order. */
  function apiContacts(answer: { rows: ApiRow[] }): { id: string; send: string }[] {
    return answer.rows
      .map((r, i) => ({ r, i }))
      .filter(({ r }) => r.send !== 'none')
      .sort((a, b) => b.r.expected_incremental_profit - a.r.expected_incremental_profit || a.i - b.i)
      .map(({ r }) => ({ id: r.id, send: r.send }));
  }

  async function expectSameAsApi(page: Page, cost: number, value: number): Promise<void> {
    const answer = await apiAnswer(cost, value);
    const profit = page.locator('#uplift-profit');
    expect(Number(await profit.getAttribute('data-value'))).toBe(answer.decision.expectedProfit.value);
    expect(Number(await profit.getAttribute('data-lower'))).toBe(answer.decision.expectedProfit.interval[0]);
    expect(Number(await profit.getAttribute('data-upper'))).toBe(answer.decision.expectedProfit.interval[1]);
    expect(await profit.getAttribute('data-model')).toBe(answer.model);
    const contacts = await shownContacts(page);
    expect(contacts).toHaveLength(answer.decision.contacted);
    expect(contacts).toEqual(apiContacts(answer));
    const putOff = await page.locator('#uplift-putoff-body tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id));
    expect(putOff).toEqual(answer.rows.filter((r: ApiRow) => r.put_off).map((r: ApiRow) => r.id));
    expect(await page.locator('#uplift-list-line').textContent()).toContain(answer.model.slice(0, 12));
  }

  it('shows the evaluation, and the incremental profit and list of exactly the list shown, as the API computes them', async () => {
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(base);
    await page.locator('#uplift:not([hidden])').waitFor();
    expect(await page.locator('#plan').isHidden()).toBe(true);
    const hash = (await (await app.inject('/v1/model')).json()).hash as string;
    expect(await page.locator('#uplift-sub').textContent()).toContain(hash.slice(0, 12));
    // Per treatment: the Qini curve and the comparison with random targeting and the response model.
    expect(await page.locator('.uplift-treatment').count()).toBe(2);
    expect(await page.locator('.uplift-treatment svg').count()).toBe(2);
    expect(await page.locator('.uplift-treatment').first().locator('tbody tr').count()).toBe(4);

    await page.locator('#uplift-cost').fill('0.05');
    await page.locator('#uplift-value').fill('1');
    await page.locator('#file').setInputFiles({ name: 'list.csv', mimeType: 'text/csv', buffer: list });
    await page.locator('#uplift-decision:not([hidden])').waitFor();
    await expectSameAsApi(page, 0.05, 1);

    // Other settings: the figures and the list follow, still equal to the API's for that list.
    await page.locator('#uplift-value').fill('3');
    await expectSameAsApi(page, 0.05, 3);

    // The download is the list shown, with the API's figures for each customer.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#uplift-download').click()]);
    expect(download.suggestedFilename()).toBe('list-uplift-contacts.csv');
    const saved = (await readFile((await download.path())!, 'utf8')).trimEnd().split('\n');
    const answer = await apiAnswer(0.05, 3);
    const byId = new Map<string, ApiRow>(answer.rows.map((r: ApiRow) => [r.id, r]));
    expect(saved[0]).toBe('id,send,uplift,expected_incremental_profit');
    expect(saved.slice(1).map((line) => line.split(',').slice(0, 2))).toEqual(apiContacts(answer).map((c) => [c.id, c.send]));
    for (const line of saved.slice(1)) expect(Number(line.split(',')[3])).toBe(byId.get(line.split(',')[0]!)!.expected_incremental_profit);

    // Settings that are not valid show no figures rather than the previous ones.
    await page.locator('#uplift-value').fill('0');
    expect(await page.locator('#uplift-profit').getAttribute('data-value')).toBeNull();
    expect(await page.locator('#uplift-contacts-body tr').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('a failed upload leaves nothing of the previous list on screen', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(base);
    await page.locator('#uplift:not([hidden])').waitFor();
    await page.locator('#file').setInputFiles({ name: 'list.csv', mimeType: 'text/csv', buffer: list });
    await page.locator('#uplift-decision:not([hidden])').waitFor();
    const lines = list.toString('utf8').split('\n');
    lines[2] = lines[2]!.replace(/^\d+,/, 'soon,');
    await page.locator('#file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });
    await page.locator('#file-error:not([hidden])').waitFor();
    expect(await page.locator('#file-error-message').textContent()).toContain('bad.csv');
    expect(await page.locator('#uplift-decision').isHidden()).toBe(true);
    expect(await page.locator('#uplift-contacts-body tr').count()).toBe(0);
    expect(await page.locator('#uplift-putoff-body tr').count()).toBe(0);
    expect(await page.locator('#uplift-download').isDisabled()).toBe(true);
  });
});

describe.skipIf(!existsSync(CHROMIUM) || pending === null)('the uplift view of a model with a saved decision', () => {
  let dir: string;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let decision: Awaited<ReturnType<typeof decideUplift>>;

  beforeAll(async () => {
    const deps = await pending!;
    // A copy: the shared bundle other tests serve must keep its hash.
    dir = await mkdtemp(join(tmpdir(), 'rebuy-uplift-page-'));
    const bundle = join(dir, 'bundle');
    await cp(deps.bundle, bundle, { recursive: true });
    decision = await decideUplift({ model: bundle, contactCost: 0.05, valuePerReturn: 1.5, seed: 0 });
    ({ app } = await makeApp({ load: () => loadPredictor(bundle, { threads: 1 }) }));
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("starts from the saved money settings and shows the saved decision's list and profit curve", async () => {
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(base);
    await page.locator('#uplift:not([hidden])').waitFor();
    expect(await page.locator('#uplift-cost').inputValue()).toBe('0.05');
    expect(await page.locator('#uplift-value').inputValue()).toBe('1.5');
    const saved = page.locator('.uplift-saved-decision');
    const text = await saved.locator('p').textContent();
    expect(text).toContain(`contact ${decision.contacted.toLocaleString('en')} of ${decision.customers.toLocaleString('en')}`);
    expect(text).toContain(`${decision.byTreatment[0]!.toLocaleString('en')} with Mens E-Mail`);
    expect(await saved.locator('svg').count()).toBe(1);
    expect(await saved.locator('figcaption, .caption, p').last().textContent()).toContain('held out at training');

    // The list scored at the saved settings.
    const list = await readFile((await pending!).listCsv);
    await page.locator('#file').setInputFiles({ name: 'list.csv', mimeType: 'text/csv', buffer: list });
    await page.locator('#uplift-decision:not([hidden])').waitFor();
    expect(await page.locator('#uplift-list-line').textContent()).toContain('per customer who buys because of it');
    const res = await app.inject({ method: 'POST', url: '/v1/scores?contact_cost=0.05&value_per_return=1.5', headers: { 'content-type': 'text/csv', accept: 'application/json' }, payload: list });
    expect(Number(await page.locator('#uplift-profit').getAttribute('data-value'))).toBe(res.json().decision.expectedProfit.value);
    expect(errors).toEqual([]);
  });
});
