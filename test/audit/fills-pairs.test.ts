import { describe, expect, it } from 'vitest';
import { detectFill } from '../../src/audit/fills.js';
import { comparePair, matchPairs, parsePairName } from '../../src/audit/pairs.js';
import { auditTable } from '../../src/audit/audit.js';
import { findingsOf, makeTable, seeded } from './helpers.js';

const OPTIONS = { fillMinShare: 0.1, fillMinRatio: 5, fillMinCount: 30 };
const none = new Map<string, Float64Array>();

/** `count` copies of `value`, then `others` drawn by `draw`. */
function column(value: number, count: number, others: number, draw: (u: number) => number, seed = 1): Float64Array {
  const rand = seeded(seed);
  return Float64Array.from([...Array<number>(count).fill(value), ...Array.from({ length: others }, () => draw(rand()))]);
}

describe('detectFill', () => {
  it('calls a non-round mean among whole numbers a fill', () => {
    const observed = Array.from({ length: 400 }, (_, i) => 1 + (i % 10)); // mean 5.5
    const values = Float64Array.from([...Array<number>(2000).fill(5.5), ...observed]);
    const fill = detectFill(values, none, OPTIONS);
    expect(fill?.verdict).toBe('filled');
    expect(fill?.details).toMatchObject({ value: 5.5, count: 2000, offGrid: true, meanLike: true, meanOfOthers: 5.5 });
  });

  it('calls the mean of a continuous column a fill although it is not off-grid', () => {
    const rand = seeded(3);
    const observed = Array.from({ length: 500 }, () => Math.round((20 + 10 * rand()) * 100) / 100);
    const mean = Math.round((observed.reduce((a, b) => a + b, 0) / observed.length) * 100) / 100;
    const fill = detectFill(Float64Array.from([...Array<number>(800).fill(mean), ...observed]), none, OPTIONS);
    expect(fill?.verdict).toBe('filled');
    expect(fill?.details).toMatchObject({ offGrid: false, meanLike: true, count: 800 });
  });

  it('never calls zero a fill, however dominant (minutes listened, support requests)', () => {
    const minutes = column(0, 8000, 6000, (r) => Math.round(r * 2000 * 10) / 10);
    expect(detectFill(minutes, none, OPTIONS)?.verdict).toBe('zero');
  });

  it('calls a dominant whole number that is not the mean merely dominant', () => {
    const books = column(1, 900, 100, (r) => 2 + Math.floor(r * 4));
    const fill = detectFill(books, none, OPTIONS);
    expect(fill?.verdict).toBe('dominant');
    expect(fill?.details.meanLike).toBe(false);
  });

  it('ignores a common value that is not far ahead of the next one (a popular price)', () => {
    const prices = Float64Array.from([...Array<number>(500).fill(5.33), ...Array<number>(200).fill(8), ...Array<number>(100).fill(10.13)]);
    expect(detectFill(prices, none, OPTIONS)).toBeNull();
  });

  it('ignores binary columns and small counts', () => {
    expect(detectFill(column(0.5, 900, 100, () => 1), none, OPTIONS)).toBeNull();
    expect(detectFill(Float64Array.from([2.5, 2.5, 2.5, 1, 2, 3]), none, OPTIONS)).toBeNull();
  });
});

describe('total/average pairs', () => {
  it('reads the stem and role from many spellings', () => {
    expect(parsePairName('Book length(mins)_overall')).toEqual({ stem: 'booklengthmins', role: 'total' });
    expect(parsePairName('BookLength(mins)Avg')).toEqual({ stem: 'booklengthmins', role: 'average' });
    expect(parsePairName('price_mean')).toEqual({ stem: 'price', role: 'average' });
    expect(parsePairName('total_spend')).toEqual({ stem: 'spend', role: 'total' });
    expect(parsePairName('Review')).toBeNull();
    expect(parsePairName('avg')).toBeNull();
  });

  it('pairs columns with the same stem only', () => {
    expect(matchPairs(['price_overall', 'price_avg', 'minutes_total', 'review_mean', 'book_length_avg'])).toEqual([
      { total: 'price_overall', average: 'price_avg' },
    ]);
  });

  it('counts rows where the total is below, equal to and above the average, skipping negatives and missing', () => {
    const d = comparePair('t', 'a', Float64Array.from([1, 2, 6, NaN, -4]), Float64Array.from([2, 2, 3, 1, 1]));
    expect(d).toMatchObject({ comparedRows: 3, totalBelowAverage: 1, equal: 1, totalAboveAverage: 1, wholeRatioShare: null, ratioCounts: [] });
  });

  it('reports a consistent pair not at all, and a mixed one as inconsistent', () => {
    const total = [10, 20, 30, 40, 50, 60];
    const consistent = auditTable(makeTable({ numeric: { spend_total: total, spend_avg: [10, 10, 15, 20, 50, 30] }, target: [0, 1, 0, 1, 0, 1] }));
    expect(consistent.findings.filter((f) => f.code === 'HEADERS_SWAPPED' || f.code === 'PAIR_INCONSISTENT')).toEqual([]);
    const mixed = auditTable(makeTable({ numeric: { spend_total: total, spend_avg: [10, 30, 15, 20, 50, 30] }, target: [0, 1, 0, 1, 0, 1] }));
    const found = findingsOf(mixed.findings, 'PAIR_INCONSISTENT');
    expect(found.map((f) => [f.details.totalBelowAverage, f.details.totalAboveAverage])).toEqual([[1, 3]]);
  });
});
