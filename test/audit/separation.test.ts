import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { aucOf, bestCut, groupByValue, pureRuns } from '../../src/audit/separation.js';

const y = (bits: number[]): Uint8Array => Uint8Array.from(bits);

/** P(class-1 value > class-0 value) + ½ P(equal), over all pairs. */
function pairwiseAuc(x: number[], t: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < x.length; j++) {
      if (t[i] !== 1 || t[j] !== 0 || Number.isNaN(x[i]!) || Number.isNaN(x[j]!)) continue;
      pairs++;
      wins += x[i]! > x[j]! ? 1 : x[i] === x[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

describe('groupByValue and pureRuns', () => {
  it('finds the longest one-class run from each end, ties kept together', () => {
    const groups = groupByValue([5, 1, 2, 1, 3, 4, 5], y([1, 0, 0, 0, 1, 0, 1]));
    expect(Array.from(groups.values)).toEqual([1, 2, 3, 4, 5]);
    expect(pureRuns(groups)).toEqual([
      {
        direction: '<=',
        threshold: 2,
        nextValue: 3,
        rows: 3,
        targetClass: 0,
        rowIndexSum: 1 + 2 + 3,
        // whole values past the run until they hold ≥ 3 rows: 3, 4, 5,5 — one of them class 0
        adjacent: { from: 3, to: 5, rows: 4, sameClass: 1 },
      },
      {
        direction: '>=',
        threshold: 5,
        nextValue: 4,
        rows: 2,
        targetClass: 1,
        rowIndexSum: 0 + 6,
        adjacent: { from: 4, to: 3, rows: 2, sameClass: 1 },
      },
    ]);
  });

  it('finds no run when the end value holds both classes', () => {
    expect(pureRuns(groupByValue([1, 1, 2, 2], y([0, 1, 1, 0])))).toEqual([]);
  });

  it('ignores missing values', () => {
    const groups = groupByValue([NaN, 1, 2, NaN], y([1, 0, 1, 0]));
    expect(groups.rows.length).toBe(2);
    expect(pureRuns(groups).map((r) => [r.direction, r.rows, r.targetClass])).toEqual([
      ['<=', 1, 0],
      ['>=', 1, 1],
    ]);
  });
});

describe('aucOf', () => {
  it('is 1 for a perfect ranking, 0 for a reversed one, ½ for a constant', () => {
    expect(aucOf(groupByValue([1, 2, 3, 4], y([0, 0, 1, 1])))).toBe(1);
    expect(aucOf(groupByValue([1, 2, 3, 4], y([1, 1, 0, 0])))).toBe(0);
    expect(aucOf(groupByValue([7, 7, 7], y([1, 0, 1])))).toBe(0.5);
    expect(aucOf(groupByValue([1, 2], y([1, 1])))).toBeNaN();
  });

  it('equals the pairwise definition (ties count half)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(Number.NaN)), fc.integer({ min: 0, max: 1 })), {
          minLength: 2,
          maxLength: 40,
        }),
        (rows) => {
          const x = rows.map((r) => r[0]);
          const t = rows.map((r) => r[1]);
          const expected = pairwiseAuc(x, t);
          const got = aucOf(groupByValue(x, y(t)));
          if (Number.isNaN(expected)) expect(got).toBeNaN();
          else expect(got).toBeCloseTo(expected, 12);
        },
      ),
    );
  });
});

describe('bestCut', () => {
  it('picks the cut with the most rows right', () => {
    const groups = groupByValue([1, 2, 3, 4, 5, 6], y([0, 0, 1, 0, 1, 1]));
    expect(bestCut(groups, '>=')).toEqual({ direction: '>=', threshold: 3, correct: 5, wrong: 1 });
    expect(bestCut(groups, '<=')).toEqual({ direction: '<=', threshold: 1, correct: 2, wrong: 4 });
  });
});
