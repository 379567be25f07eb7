import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { expectedSplitOverlap, findDuplicateIds, findDuplicateRows } from '../../src/audit/duplicates.js';
import { makeTable } from './helpers.js';

/** Every test set of size m out of n rows, by brute force. */
function* subsets(n: number, m: number, start = 0, chosen: number[] = []): Generator<number[]> {
  if (chosen.length === m) {
    yield chosen;
    return;
  }
  for (let i = start; i < n; i++) yield* subsets(n, m, i + 1, [...chosen, i]);
}

/** Averages over all equally likely test sets: groups split, rows in split groups, test rows with a train twin. */
function enumerate(groupSizes: number[], n: number, m: number): [number, number, number] {
  const groupOf: number[] = [];
  groupSizes.forEach((g, k) => groupOf.push(...Array<number>(g).fill(k)));
  while (groupOf.length < n) groupOf.push(-1 - groupOf.length); // singletons
  let total = 0;
  const sums = [0, 0, 0];
  for (const test of subsets(n, m)) {
    total++;
    const inTest = new Set(test);
    groupSizes.forEach((g, k) => {
      const rows = groupOf.flatMap((gk, row) => (gk === k ? [row] : []));
      const t = rows.filter((r) => inTest.has(r)).length;
      if (t > 0 && t < g) {
        sums[0]! += 1;
        sums[1]! += g;
        sums[2]! += t;
      }
    });
  }
  return [sums[0]! / total, sums[1]! / total, sums[2]! / total];
}

describe('expectedSplitOverlap', () => {
  it('matches the closed form for one pair in five rows with one test row', () => {
    // The pair is split exactly when one of its two rows is the test row: 2/5.
    const o = expectedSplitOverlap([2], 5, 0.2);
    expect(o.testRows).toBe(1);
    expect(o.expectedGroupsSplit).toBeCloseTo(0.4, 15);
    expect(o.expectedRowsInSplitGroups).toBeCloseTo(0.8, 15);
    expect(o.expectedTestRowsWithTrainTwin).toBeCloseTo(0.4, 15);
  });

  it('matches the closed form for a triple in ten rows with two test rows', () => {
    // P(all 3 in train) = C(8,3)/C(10,3) = 56/120; never all in test. A test row always has a twin in train.
    const o = expectedSplitOverlap([3], 10, 0.2);
    expect(o.expectedGroupsSplit).toBeCloseTo(64 / 120, 15);
    expect(o.expectedTestRowsWithTrainTwin).toBeCloseTo(3 * (2 / 10), 15);
  });

  it('is zero with no test rows and when every row is in the test set', () => {
    expect(expectedSplitOverlap([2, 3], 10, 0).expectedGroupsSplit).toBe(0);
    expect(expectedSplitOverlap([2, 3], 10, 1).expectedGroupsSplit).toBe(0);
  });

  it('equals the average over every possible split (exhaustive, small tables)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 2, max: 4 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 4 }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        (sizes, extra, share) => {
          const n = sizes.reduce((a, b) => a + b, 0) + extra;
          const o = expectedSplitOverlap(sizes, n, share);
          const [groups, rows, twins] = enumerate(sizes, n, o.testRows);
          expect(o.expectedGroupsSplit).toBeCloseTo(groups, 10);
          expect(o.expectedRowsInSplitGroups).toBeCloseTo(rows, 10);
          expect(o.expectedTestRowsWithTrainTwin).toBeCloseTo(twins, 10);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('duplicate rows and IDs', () => {
  it('groups identical feature vectors, treating missing as equal and ignoring ID and target', () => {
    const table = makeTable({
      numeric: { a: [1, 1, 2, NaN, NaN, 1], b: [5, 5, 5, 7, 7, 6] },
      categorical: { c: ['x', 'x', 'x', null, null, 'x'] },
      target: [0, 1, 0, 1, 1, 0],
      ids: ['1', '2', '3', '4', '5', '6'],
    });
    expect(findDuplicateRows(table, 0.2)).toMatchObject({ groups: 2, rows: 4, conflictingGroups: 1, conflictingRows: 2, largestGroup: 2 });
  });

  it('keeps a categorical "null" text apart from a missing value', () => {
    const table = makeTable({ categorical: { c: ['null', null, 'null'] }, target: [0, 0, 0] });
    expect(findDuplicateRows(table, 0.2)).toMatchObject({ groups: 1, rows: 2 });
  });

  it('counts repeated IDs', () => {
    expect(findDuplicateIds(['a', 'b', 'a', 'c', 'b', 'a'], 1)).toEqual({ groups: 2, rows: 5, examples: ['a'] });
    expect(findDuplicateIds(['007', '7'], 5)).toEqual({ groups: 0, rows: 0, examples: [] });
  });
});
