import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bestBudget,
  budgetCount,
  byLikelihood,
  contactExportCsv,
  contactListCsv,
  decisionBudget,
  expectedGain,
  expectedProfitCurve,
  expectedReturns,
} from '../../src/evaluate/profit.js';

describe('expected profit of a contact list', () => {
  it('the curve is the running sum of p·value − cost', () => {
    const curve = expectedProfitCurve([0.9, 0.5, 0.1], 1, 10);
    expect(Array.from(curve)).toEqual([0, 8, 12, 12 + 0.1 * 10 - 1]);
    expect(bestBudget(curve)).toEqual({ k: 2, profit: 12 });
    expect(expectedGain(0.9, 1, 10)).toBe(8);
  });

  it('contacts nobody when every contact loses money, and nobody of an empty list', () => {
    expect(bestBudget(expectedProfitCurve([0.05, 0.01], 1, 10))).toEqual({ k: 0, profit: 0 });
    expect(bestBudget(expectedProfitCurve([], 1, 10))).toEqual({ k: 0, profit: 0 });
  });

  it('the best budget contacts exactly the customers with p·value > cost', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 200 }),
        fc.double({ min: 0.01, max: 50, noNaN: true }),
        fc.double({ min: 0.01, max: 500, noNaN: true }),
        (ps, cost, value) => {
          const sorted = [...ps].sort((a, b) => b - a);
          const { k } = bestBudget(expectedProfitCurve(sorted, cost, value));
          const worth = sorted.filter((p) => p * value - cost > 1e-9).length;
          const marginal = sorted.filter((p) => Math.abs(p * value - cost) <= 1e-9).length;
          expect(k).toBeGreaterThanOrEqual(worth - marginal);
          expect(k).toBeLessThanOrEqual(worth + marginal);
        },
      ),
    );
  });

  it('turns a count or a percentage into a number of customers', () => {
    expect(budgetCount('count', 12.7, 100)).toBe(12);
    expect(budgetCount('count', 500, 100)).toBe(100);
    expect(budgetCount('percent', 25, 14084)).toBe(3521);
    expect(budgetCount('percent', 150, 10)).toBe(10);
    expect(budgetCount('percent', Number.NaN, 10)).toBe(0);
    expect(budgetCount('count', -3, 10)).toBe(0);
  });

  it('sums the expected returns of the top k, and no more than there are', () => {
    expect(expectedReturns([0.5, 0.25, 0.1], 2)).toBe(0.75);
    expect(expectedReturns([0.5, 0.25], 9)).toBe(0.75);
  });

  it('orders by probability, then rank', () => {
    const rows = [
      { probability: 0.2, rank: 3 },
      { probability: 0.9, rank: 2 },
      { probability: 0.9, rank: 1 },
      { probability: null, rank: 4 },
    ];
    expect([...rows].sort(byLikelihood).map((r) => r.rank)).toEqual([1, 2, 3, 4]);
  });

  it('writes the contact list as CSV a spreadsheet cannot run, each row with its expected profit', () => {
    const csv = contactListCsv(
      [
        { id: '7', probability: 0.5, rank: 1 },
        { id: '=HYPERLINK("x")', probability: 0.25, rank: 2 },
        { id: 'a,b', probability: null, rank: 3 },
      ],
      1,
      10,
    );
    expect(csv).toBe(
      'position,id,probability,expected_profit\r\n1,7,0.500000,4.00\r\n2,"\'=HYPERLINK(""x"")",0.250000,1.50\r\n3,"a,b",0.000000,-1.00\r\n',
    );
  });
});

describe('a saved decision on a new list', () => {
  const sorted = [0.9, 0.6, 0.3, 0.3, 0.1];
  it('contacts everyone at or above the threshold for a threshold objective', () => {
    expect(decisionBudget({ kind: 'profit' }, 0.3, sorted)).toBe(4);
    expect(decisionBudget({ kind: 'f1' }, 0.95, sorted)).toBe(0);
    expect(decisionBudget({ kind: 'balanced' }, 0, sorted)).toBe(5);
    expect(decisionBudget({ kind: 'accuracy' }, 0.5, [])).toBe(0);
  });
  it('keeps its budget for a budget objective, never more than the list', () => {
    expect(decisionBudget({ kind: 'topK', k: 2 }, 0.99, sorted)).toBe(2);
    expect(decisionBudget({ kind: 'topK', k: 50 }, 0.99, sorted)).toBe(5);
    expect(decisionBudget({ kind: 'topFraction', fraction: 0.4 }, 0.99, sorted)).toBe(2);
  });
});

describe('the contact list export', () => {
  it('keeps the upload\'s own columns, then adds probability, label, rank, expected profit and the reasons', () => {
    const csv = contactExportCsv(
      ['ID', 'email', 'probability'],
      [
        { id: '7', probability: 0.5, rank: 2, cells: ['7', 'a@x.org', 'old'], reasons: [{ text: 'left a review: raises the chance' }, { text: 'a, b' }] },
        { id: '=1+1', probability: 0.25, rank: 1, cells: ['=1+1', '=cmd', ''], reasons: [{ text: 'bought 1 book: lowers the chance' }] },
        { id: '9', probability: null, rank: 3, cells: null },
      ],
      1,
      10,
    );
    expect(csv.split('\r\n')).toEqual([
      'ID,email,probability,rebuy_probability,label,rank,expected_profit,reason_1,reason_2',
      '7,a@x.org,old,0.500000,1,1,4.00,left a review: raises the chance,"a, b"',
      "'=1+1,'=cmd,,0.250000,1,2,1.50,bought 1 book: lowers the chance,",
      ',,,0.000000,1,3,-1.00,,',
      '',
    ]);
  });
  it('gives the id alone when the upload\'s columns are unknown', () => {
    expect(contactExportCsv([], [{ id: 'a', probability: 0.5, rank: 1, cells: null }], 1, 10)).toBe('id,probability,label,rank,expected_profit\r\na,0.500000,1,1,4.00\r\n');
  });
});
