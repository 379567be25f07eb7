import { describe, expect, it } from 'vitest';
import { fitBgNbd } from '../../src/purchases/bgnbd.js';
import { buildCustomerTable } from '../../src/purchases/customer-table.js';
import { purchaseModelSummary, purchasesByFrequency } from '../../src/purchases/holdout.js';
import { purchasesSection } from '../../src/report/sections/purchases.js';
import { CDNOW_CUTOFF, CDNOW_HOLDOUT_DAYS, CDNOW_SPEC, hasCdnow } from './helpers.js';

describe.runIf(hasCdnow)('the report section for a model on a purchase log (CDNOW)', () => {
  it('draws the frequency × recency heat map and the holdout chart, and its table holds the numbers drawn', async () => {
    const table = await buildCustomerTable(CDNOW_SPEC, { cutoff: CDNOW_CUTOFF, horizonDays: CDNOW_HOLDOUT_DAYS, outcomeCounts: true });
    const customers = { frequency: table.numeric.get('frequency')!, recency: table.numeric.get('recency')!, age: table.numeric.get('age')! };
    const fit = fitBgNbd(customers);
    const holdout = purchasesByFrequency(fit.params, customers, CDNOW_HOLDOUT_DAYS, table.numeric.get('purchases_after')!, 'fitted');
    const summary = purchaseModelSummary(fit.params, customers, CDNOW_HOLDOUT_DAYS, holdout);

    // The heat map: more repeat purchases and a more recent last one mean more purchases to expect.
    const { expected } = summary.grid;
    for (let i = 1; i < expected.length; i++) {
      for (let j = 1; j < expected[i]!.length; j++) expect(expected[i]![j]!).toBeGreaterThan(expected[i]![j - 1]!);
    }
    expect(expected[expected.length - 1]![expected[0]!.length - 1]!).toBeGreaterThan(expected[1]![expected[0]!.length - 1]!);

    // The holdout: every customer in one group; BG/NBD under-predicts this holdout somewhat (cdnow.test.ts), a wide miss would mean a broken summary.
    expect(holdout.groups.reduce((s, g) => s + g.customers, 0)).toBe(table.ids.length);
    expect(Math.abs(holdout.predictedTotal / holdout.actualTotal - 1)).toBeLessThan(0.15);

    const html = purchasesSection(summary);
    expect(html).toContain('Purchases BG/NBD expects in the next 273 days');
    expect(html).toContain('Predicted vs actual purchases in the holdout');
    const cells = html.match(/<rect [^>]*rgba\(37,99,235/g) ?? [];
    expect(cells.length).toBe(expected.length * expected[0]!.length);
    for (const g of holdout.groups) expect(html).toContain(`<td>${g.customers}</td>`);
  });

  it('without holdout counts says how to get them instead of drawing an empty chart', async () => {
    const table = await buildCustomerTable(CDNOW_SPEC, { cutoff: CDNOW_CUTOFF, horizonDays: CDNOW_HOLDOUT_DAYS });
    const customers = { frequency: table.numeric.get('frequency')!, recency: table.numeric.get('recency')!, age: table.numeric.get('age')! };
    const html = purchasesSection(purchaseModelSummary(fitBgNbd(customers).params, customers, CDNOW_HOLDOUT_DAYS, null));
    expect(html).not.toContain('Predicted vs actual');
    expect(html).toContain('--outcome-counts');
  });
});
