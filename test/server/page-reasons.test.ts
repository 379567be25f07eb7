/**
 * Reasons a marketer can act on, in Chromium (issue 19): the page names the reference once above the
 * table, each reason gives its push in points, and the list can be cut to the customers who share a
 * leading actionable reason, with the count the filter promises.
 */
import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { type Browser, type Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from '../helpers/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count } from '../../src/core/format.js';
import type { Reason, Reference } from '../../src/explain/types.js';
import type { DependenceChart } from '../../src/explain/dependence.js';
import { syntheticAudiobooks } from './real.js';
import { decidedApp } from './trust-app.js';

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`skipping the page reasons tests: ${CHROMIUM} is not installed (apt-get install chromium)`);

const LIST = syntheticAudiobooks(300, 11);

interface Row {
  id: string;
  rank: number;
  reasons?: Reason[];
}

describe.skipIf(!haveChromium)('the page says what reasons are measured from, and segments customers by what to do', () => {
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let answer: { reference: Reference; rows: Row[]; dependence: DependenceChart[] };

  beforeAll(async () => {
    app = await decidedApp('support_requests');
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${base}/v1/scores?reasons=3`, { method: 'POST', headers: { 'content-type': 'text/csv', accept: 'application/json' }, body: LIST });
    answer = (await res.json()) as typeof answer;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function scoredPage(): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(base);
    await expect.poll(() => page.locator('#model-chip').textContent()).toContain('Model');
    await page.locator('#file').setInputFiles({ name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(LIST) });
    await page.locator('#results:not([hidden])').waitFor();
    await page.locator('#page-size').selectOption('100');
    return page;
  }

  /** The leading actionable reason of each row the API explained, as group:direction. */
  function segmentsOfAnswer(): Map<string, number> {
    const out = new Map<string, number>();
    for (const row of answer.rows) {
      const lead = row.reasons?.find((r) => r.actionable);
      if (!lead) continue;
      const key = `${lead.group}:${lead.direction}`;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
    return out;
  }

  it('shows the reference once, above the table, and every reason in points', async () => {
    const page = await scoredPage();
    expect(answer.reference.text).toMatch(/^compared with a typical customer, who has a [\d.]+ % chance$/);
    const note = page.locator('#reference-note');
    await expect.poll(() => note.isVisible()).toBe(true);
    expect(await note.textContent()).toContain(answer.reference.text);
    expect(await page.locator('#results').getByText('compared with a typical customer').count()).toBe(1);
    const noteBox = (await note.boundingBox())!;
    const tableBox = (await page.locator('#table').boundingBox())!;
    expect(noteBox.y).toBeLessThan(tableBox.y);
    const texts = await page.locator('#tbody .reason').allTextContents();
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) expect(text).toMatch(/(raises|lowers) the chance by \d+\.\d points?|makes almost no difference/);
  });

  it('filters the list to one leading actionable reason, with the count the filter names', async () => {
    const page = await scoredPage();
    const expected = segmentsOfAnswer();
    expect(expected.size).toBeGreaterThan(0);
    const options = await page.locator('#segment option').evaluateAll((els) => els.map((e) => ({ value: (e as HTMLOptionElement).value, text: e.textContent ?? '' })));
    expect(options[0]).toEqual({ value: '', text: 'All customers' });
    expect(new Map(options.slice(1).map((o) => [o.value, Number(/\((\d[\d,]*)\)$/.exec(o.text)![1]!.replaceAll(',', ''))]))).toEqual(expected);
    for (const { value } of options.slice(1)) {
      await page.locator('#segment').selectOption(value);
      const n = expected.get(value)!;
      await expect.poll(() => page.locator('#page-info').textContent()).toContain(`of ${count(n)}`);
      expect(await page.locator('#segment-note').textContent()).toContain(`${count(n)} customers whose leading actionable reason is`);
      const [group, direction] = value.split(':');
      const leads = await page.locator('#tbody tr').evaluateAll((rows) =>
        rows.map((tr) => {
          const lead = tr.querySelector('.reason.actionable') as HTMLElement | null;
          return lead ? `${lead.dataset.group}:${lead.classList.contains('lowers') ? 'lowers' : 'raises'}` : null;
        }),
      );
      expect(leads.length).toBe(Math.min(n, 100));
      for (const lead of leads) expect(lead).toBe(`${group}:${direction}`);
    }
    await page.locator('#segment').selectOption('');
    await expect.poll(() => page.locator('#page-info').textContent()).toContain(`of ${count(answer.rows.length)}`);
    expect(await page.locator('#segment-note').isVisible()).toBe(false);
  });

  it('draws the shape of each fact’s effect over the customers with reasons, one chart per fact', async () => {
    const page = await scoredPage();
    const explained = answer.rows.filter((r) => r.reasons && r.reasons.length > 0).length;
    expect(answer.dependence.map((c) => c.group)).toEqual(['listening', 'support', 'recency', 'bought', 'review']);
    for (const chart of answer.dependence) expect(chart.points).toHaveLength(explained);
    await page.locator('#effects summary').click();
    expect(await page.locator('#effects-note').textContent()).toContain(`one of the ${count(explained)} customers with reasons`);
    const figures = page.locator('#effects-charts figure');
    expect(await figures.count()).toBe(answer.dependence.length);
    for (const chart of answer.dependence) {
      const figure = page.locator(`#effects-charts figure[data-group="${chart.group}"]`);
      expect(await figure.locator('circle.dot').count()).toBe(chart.points.filter((p) => p.x !== null).length);
      expect(await figure.locator('figcaption').textContent()).toContain(chart.x.label);
    }
  });
});
