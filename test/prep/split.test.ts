import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RebuyError } from '../../src/errors.js';
import { createRng } from '../../src/core/random.js';
import {
  balanceIndices,
  classWeights,
  kFold,
  naturalTestIndices,
  parseSplit,
  shuffle,
  stratifiedSplit,
  type SplitRatios,
} from '../../src/prep/split.js';

const range = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);
const sorted = (a: ArrayLike<number>): number[] => Array.from(a).sort((x, y) => x - y);
const countOnes = (target: Uint8Array, rows: ArrayLike<number>): number =>
  Array.from(rows).filter((r) => target[r] === 1).length;

/** Targets with both classes present. */
const twoClassTarget = fc
  .array(fc.integer({ min: 0, max: 1 }), { minLength: 2, maxLength: 300 })
  .filter((a) => a.includes(0) && a.includes(1))
  .map((a) => Uint8Array.from(a));

function expectUsageError(run: () => unknown, message: RegExp): void {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(RebuyError);
    expect((err as RebuyError).code).toBe('USAGE');
    expect((err as RebuyError).message).toMatch(message);
    return;
  }
  throw new Error('expected a usage error');
}

describe('createRng', () => {
  it('repeats under a seed and stays in [0, 1)', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeCloseTo(0.5, 1);
  });
});

describe('shuffle', () => {
  it('returns a permutation, deterministically, without touching its input', () => {
    const input = range(50);
    const once = shuffle(input, createRng(1));
    expect(sorted(once)).toEqual(Array.from(input));
    expect(Array.from(input)).toEqual(sorted(input));
    expect(Array.from(shuffle(input, createRng(1)))).toEqual(Array.from(once));
    expect(Array.from(once)).not.toEqual(Array.from(input));
  });
});

describe('balanceIndices', () => {
  it("'first' keeps every minority row and the first N majority rows, as the course notebook", () => {
    // ones at rows 1 and 4 (N = 2); the first two zeros are rows 0 and 2.
    const target = Uint8Array.from([0, 1, 0, 0, 1, 0, 0]);
    expect(Array.from(balanceIndices(target, 'first', createRng(0)))).toEqual([0, 1, 2, 4]);
  });

  it("'first' works when ones are the majority", () => {
    const target = Uint8Array.from([1, 1, 0, 1, 1, 0]);
    expect(Array.from(balanceIndices(target, 'first', createRng(0)))).toEqual([0, 1, 2, 5]);
  });

  it("'weights' keeps every row; equal classes keep every row", () => {
    expect(Array.from(balanceIndices(Uint8Array.from([0, 0, 1]), 'weights', createRng(0)))).toEqual([0, 1, 2]);
    expect(Array.from(balanceIndices(Uint8Array.from([0, 1, 1, 0]), 'random', createRng(0)))).toEqual([0, 1, 2, 3]);
  });

  it('keeps no rows when only one class is present', () => {
    expect(balanceIndices(Uint8Array.from([0, 0, 0]), 'random', createRng(0)).length).toBe(0);
    expect(balanceIndices(Uint8Array.from([1, 1]), 'first', createRng(0)).length).toBe(0);
    expect(balanceIndices(new Uint8Array(0), 'random', createRng(0)).length).toBe(0);
  });

  it('gives equal classes, no duplicates, file order, every minority row', () => {
    fc.assert(
      fc.property(twoClassTarget, fc.constantFrom('random', 'first'), fc.integer(), (target, mode, seed) => {
        const kept = balanceIndices(target, mode, createRng(seed));
        const ones = countOnes(target, range(target.length));
        const minority = Math.min(ones, target.length - ones);
        expect(kept.length).toBe(2 * minority);
        expect(countOnes(target, kept)).toBe(minority);
        expect(new Set(kept).size).toBe(kept.length);
        expect(Array.from(kept)).toEqual(sorted(kept));
        const minorityClass = ones <= target.length - ones ? 1 : 0;
        const minorityRows = Array.from(range(target.length)).filter((r) => target[r] === minorityClass);
        expect(minorityRows.every((r) => kept.includes(r))).toBe(true);
      }),
    );
  });

  it("'first' keeps exactly the first N majority rows", () => {
    fc.assert(
      fc.property(twoClassTarget, (target) => {
        const kept = balanceIndices(target, 'first', createRng(0));
        const ones = countOnes(target, range(target.length));
        const majorityClass = ones > target.length - ones ? 1 : 0;
        const majorityRows = Array.from(range(target.length)).filter((r) => target[r] === majorityClass);
        const keptMajority = Array.from(kept).filter((r) => target[r] === majorityClass);
        expect(keptMajority).toEqual(majorityRows.slice(0, keptMajority.length));
      }),
    );
  });

  it("'random' is deterministic under the seed and varies with it", () => {
    const target = Uint8Array.from({ length: 200 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    const a = balanceIndices(target, 'random', createRng(7));
    expect(Array.from(balanceIndices(target, 'random', createRng(7)))).toEqual(Array.from(a));
    expect(Array.from(balanceIndices(target, 'random', createRng(8)))).not.toEqual(Array.from(a));
  });
});

describe('classWeights', () => {
  it('gives n / (2 n_c) over the chosen rows', () => {
    // rows 0..3: three zeros, one one -> 4/6 and 4/2; row 4 is not chosen
    expect(classWeights(Uint8Array.from([0, 0, 0, 1, 1]), [0, 1, 2, 3])).toEqual([4 / 6, 2]);
    expect(classWeights(Uint8Array.from([0, 0]), [0, 1])).toEqual([0.5, 0]);
  });
});

describe('stratifiedSplit', () => {
  const ratiosArb = fc
    .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 8 }))
    .map(([a, b, c]) => [a / (a + b + c), b / (a + b + c), c / (a + b + c)] as SplitRatios);

  it('partitions the indices exactly, with class counts within one row of target', () => {
    fc.assert(
      fc.property(twoClassTarget, ratiosArb, fc.integer(), (target, ratios, seed) => {
        const indices = balanceIndices(target, 'weights', createRng(0));
        const parts = stratifiedSplit(indices, target, ratios, createRng(seed));
        const all = [...parts.train, ...parts.valid, ...parts.test];
        expect(sorted(all)).toEqual(Array.from(indices));
        const totalOnes = countOnes(target, indices);
        const totalZeros = indices.length - totalOnes;
        const partsInOrder = [parts.train, parts.valid, parts.test];
        partsInOrder.forEach((part, i) => {
          const ones = countOnes(target, part);
          expect(Math.abs(ones - totalOnes * ratios[i]!)).toBeLessThanOrEqual(1);
          expect(Math.abs(part.length - ones - totalZeros * ratios[i]!)).toBeLessThanOrEqual(1);
        });
      }),
    );
  });

  it('is deterministic under the seed', () => {
    const target = Uint8Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const split = (seed: number) => stratifiedSplit(range(100), target, [0.8, 0.1, 0.1], createRng(seed));
    const a = split(5);
    const b = split(5);
    expect(Array.from(b.train)).toEqual(Array.from(a.train));
    expect(Array.from(b.valid)).toEqual(Array.from(a.valid));
    expect(Array.from(b.test)).toEqual(Array.from(a.test));
    expect(Array.from(split(6).train)).not.toEqual(Array.from(a.train));
  });

  it('allows an empty test part and a subset of rows', () => {
    const target = Uint8Array.from([0, 1, 0, 1, 0, 1, 0, 1, 1, 1]);
    const parts = stratifiedSplit([0, 1, 2, 3, 4, 5, 6, 7], target, [0.5, 0.5, 0], createRng(3));
    expect(parts.test.length).toBe(0);
    expect(sorted([...parts.train, ...parts.valid])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(countOnes(target, parts.train)).toBe(2);
  });

  it('rejects bad ratios', () => {
    const target = Uint8Array.from([0, 1]);
    expectUsageError(() => stratifiedSplit([0, 1], target, [0.5, 0.5, 0.5], createRng(0)), /sum to 1/);
    expectUsageError(() => stratifiedSplit([0, 1], target, [1, 0, 0], createRng(0)), /valid > 0/);
    expectUsageError(() => stratifiedSplit([0, 1], target, [0.9, 0.2, -0.1], createRng(0)), /test >= 0/);
  });
});

describe('naturalTestIndices', () => {
  it('is every row not used, in file order', () => {
    expect(Array.from(naturalTestIndices(8, [5, 1], Int32Array.from([2])))).toEqual([0, 3, 4, 6, 7]);
    expect(Array.from(naturalTestIndices(3, [0, 1, 2]))).toEqual([]);
    expect(Array.from(naturalTestIndices(2))).toEqual([0, 1]);
  });

  it('after balancing and splitting, holds the balanced test rows and every dropped row', () => {
    const target = Uint8Array.from({ length: 60 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const rng = createRng(11);
    const kept = balanceIndices(target, 'first', rng);
    const parts = stratifiedSplit(kept, target, [0.8, 0.1, 0.1], rng);
    const natural = naturalTestIndices(60, parts.train, parts.valid);
    expect(natural.length).toBe(60 - parts.train.length - parts.valid.length);
    expect(Array.from(parts.test).every((r) => natural.includes(r))).toBe(true);
    expect(countOnes(target, natural)).toBe(15 - countOnes(target, parts.train) - countOnes(target, parts.valid));
  });
});

describe('kFold', () => {
  it('puts each row in exactly one test fold, stratified, with train the complement', () => {
    fc.assert(
      fc.property(twoClassTarget, fc.integer({ min: 2, max: 6 }), fc.integer(), (target, k, seed) => {
        fc.pre(k <= target.length);
        const indices = range(target.length);
        const folds = kFold(indices, target, k, createRng(seed));
        expect(folds.length).toBe(k);
        expect(sorted(folds.flatMap((f) => Array.from(f.test)))).toEqual(Array.from(indices));
        for (const fold of folds) expect(sorted([...fold.train, ...fold.test])).toEqual(Array.from(indices));
        const onesPerFold = folds.map((f) => countOnes(target, f.test));
        const sizes = folds.map((f) => f.test.length);
        expect(Math.max(...onesPerFold) - Math.min(...onesPerFold)).toBeLessThanOrEqual(1);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('rejects impossible fold counts', () => {
    expectUsageError(() => kFold([0, 1, 2], Uint8Array.from([0, 1, 0]), 1, createRng(0)), /folds/);
    expectUsageError(() => kFold([0, 1, 2], Uint8Array.from([0, 1, 0]), 4, createRng(0)), /4 folds from 3 rows/);
  });
});

describe('parseSplit', () => {
  it('reads ratios and percentages', () => {
    expect(parseSplit('0.8,0.1,0.1')).toEqual([0.8, 0.1, 0.1]);
    expect(parseSplit(' 0.7 , 0.3 , 0 ')).toEqual([0.7, 0.3, 0]);
    expect(parseSplit('80,10,10')).toEqual([0.8, 0.1, 0.1]);
  });

  it('explains what it expects', () => {
    expectUsageError(() => parseSplit('0.8,0.2'), /three comma-separated numbers.*"0.8,0.2"/);
    expectUsageError(() => parseSplit('a,b,c'), /three comma-separated numbers/);
    expectUsageError(() => parseSplit('0.8,,0.2'), /three comma-separated numbers/);
    expectUsageError(() => parseSplit('0.6,0.1,0.1'), /sum to 1/);
    expectUsageError(() => parseSplit('0,0.5,0.5'), /train > 0/);
  });
});

describe('naturalMixSample', () => {
  it('keeps every positive and samples negatives to the population share', async () => {
    const { naturalMixSample } = await import('../../src/prep/split.js');
    const { createRng } = await import('../../src/core/random.js');
    // 10 positives and 200 negatives available; population share 20 % → 40 negatives.
    const target = new Uint8Array(210);
    target.fill(1, 0, 10);
    const rows = Int32Array.from({ length: 210 }, (_, i) => i);
    const kept = naturalMixSample(rows, target, 0.2, createRng(1));
    const positives = Array.from(kept).filter((r) => target[r] === 1).length;
    expect(positives).toBe(10);
    expect(kept.length).toBe(50);
    expect(new Set(kept).size).toBe(50);
    expect(Array.from(kept)).toEqual(Array.from(kept).sort((a, b) => a - b));
  });

  it('samples positives down when negatives are the scarce class', async () => {
    const { naturalMixSample } = await import('../../src/prep/split.js');
    const { createRng } = await import('../../src/core/random.js');
    const target = new Uint8Array(100).fill(1, 0, 90);
    const kept = naturalMixSample(Int32Array.from({ length: 100 }, (_, i) => i), target, 0.5, createRng(2));
    expect(Array.from(kept).filter((r) => target[r] === 1).length).toBe(10);
    expect(kept.length).toBe(20);
  });
});
