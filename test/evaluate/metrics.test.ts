import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  computeMetrics,
  confusionAt,
  EPSILON,
  logLoss,
  rocAuc,
} from '../../src/evaluate/metrics.js';

/** Scored, labelled rows; scores on a 1/1000 grid so ties happen and 1 - p is exact in ordering. */
const rows = fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1 })), {
  minLength: 1,
  maxLength: 80,
});
const unzip = (r: [number, number][]) => ({
  p: Float64Array.from(r, ([s]) => s / 1000),
  y: Uint8Array.from(r, ([, l]) => l),
});

/** AUC straight from its definition: P(score of a positive > score of a negative), ties count 1/2. */
function pairwiseAuc(p: ArrayLike<number>, y: ArrayLike<number>): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < p.length; i++) {
    for (let j = 0; j < p.length; j++) {
      if (y[i] !== 1 || y[j] !== 0) continue;
      pairs++;
      wins += p[i]! > p[j]! ? 1 : p[i] === p[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

/** Average precision from its definition: mean over positives of the precision among rows scored at least as high. */
function definitionAp(p: ArrayLike<number>, y: ArrayLike<number>): number {
  let sum = 0;
  let positives = 0;
  for (let i = 0; i < p.length; i++) {
    if (y[i] !== 1) continue;
    positives++;
    let above = 0;
    let hits = 0;
    for (let j = 0; j < p.length; j++) {
      if (p[j]! >= p[i]!) {
        above++;
        hits += y[j]!;
      }
    }
    sum += hits / above;
  }
  return sum / positives;
}

describe('computeMetrics on a hand-made case', () => {
  // p:  0.9 0.8 0.6 0.4 0.3 0.1
  // y:   1   1   0   1   0   0
  // at 0.5: tp = 2 (0.9, 0.8), fp = 1 (0.6), fn = 1 (0.4), tn = 2
  const p = Float32Array.from([0.9, 0.8, 0.6, 0.4, 0.3, 0.1]);
  const y = Uint8Array.from([1, 1, 0, 1, 0, 0]);
  const m = computeMetrics(p, y);

  it('counts the confusion matrix', () => {
    expect(m.confusion).toEqual([
      [2, 1],
      [1, 2],
    ]);
    expect(m.n).toBe(6);
    expect(m.positives).toBe(3);
  });

  it('derives the threshold metrics', () => {
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    expect(m.balancedAccuracy).toBeCloseTo(2 / 3, 12); // (tpr 2/3 + tnr 2/3) / 2
  });

  it('ranks: AUC 8/9, average precision 11/12', () => {
    // positives 0.9 and 0.8 beat all 3 negatives, 0.4 beats 0.3 and 0.1: 8 of 9 pairs
    expect(m.rocAuc).toBeCloseTo(8 / 9, 12);
    // recall steps of 1/3 at precisions 1, 1, 3/4
    expect(m.prAuc).toBeCloseTo(1 / 3 + 1 / 3 + 1 / 4, 12);
  });

  it('scores the probabilities: Brier 0.145, cross-entropy', () => {
    // squared errors .01 .04 .36 .36 .09 .01 -> .87 / 6
    expect(m.brier).toBeCloseTo(0.145, 6);
    // probability given to the true class: .9 .8 .4 .4 .7 .9
    const expected = -[0.9, 0.8, 0.4, 0.4, 0.7, 0.9].reduce((s, q) => s + Math.log(q), 0) / 6;
    expect(m.loss).toBeCloseTo(expected, 6);
  });
});

describe('scikit-learn reference values', () => {
  it('matches the roc_auc_score / average_precision_score documentation example', () => {
    // y_true = [0, 0, 1, 1], y_scores = [0.1, 0.4, 0.35, 0.8] -> AUC 0.75, AP 0.8333
    const y = [0, 0, 1, 1];
    const s = [0.1, 0.4, 0.35, 0.8];
    expect(rocAuc(s, y)).toBeCloseTo(0.75, 12);
    expect(averagePrecision(s, y)).toBeCloseTo(5 / 6, 12);
  });

  it('averages ties: one threshold for tied scores', () => {
    // positives 0.5, 0.5; negatives 0.5, 0.2: pairs 1/2 + 1/2 + 1 + 1 -> 3/4
    expect(rocAuc([0.5, 0.5, 0.5, 0.2], [1, 0, 1, 0])).toBeCloseTo(0.75, 12);
    // a single threshold 0.5 reaches recall 1 at precision 2/3
    expect(averagePrecision([0.5, 0.5, 0.5, 0.2], [1, 0, 1, 0])).toBeCloseTo(2 / 3, 12);
    // all scores tied: AUC 1/2, AP = the positive rate
    expect(rocAuc([0.3, 0.3, 0.3, 0.3], [1, 0, 0, 0])).toBe(0.5);
    expect(averagePrecision([0.3, 0.3, 0.3, 0.3], [1, 0, 0, 0])).toBe(0.25);
  });
});

describe('edge cases', () => {
  it('predicts positive at exactly the threshold', () => {
    expect(confusionAt([0.5, 0.49999], [1, 0], 0.5)).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(confusionAt([0, 0.2, 1], [0, 1, 1], 0)).toEqual([
      [0, 1],
      [0, 2],
    ]);
    expect(confusionAt([0, 0.2, 1], [0, 1, 1], 1.01)).toEqual([
      [1, 0],
      [2, 0],
    ]);
  });

  it('handles all positives: AUC undefined, AP 1', () => {
    const m = computeMetrics([0.9, 0.2, 0.6], [1, 1, 1]);
    expect(m.rocAuc).toBeNaN();
    expect(m.prAuc).toBe(1);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.precision).toBe(1);
    expect(m.balancedAccuracy).toBeCloseTo(2 / 3, 12); // the mean over the classes present
  });

  it('handles all negatives: both AUCs undefined, 0/0 ratios are 0', () => {
    const m = computeMetrics([0.7, 0.2], [0, 0]);
    expect(m.rocAuc).toBeNaN();
    expect(m.prAuc).toBeNaN();
    expect(m.precision).toBe(0); // 0 / 1
    expect(m.recall).toBe(0); // 0 / 0
    expect(m.f1).toBe(0);
    expect(m.balancedAccuracy).toBe(0.5);
    expect(m.accuracy).toBe(0.5);
  });

  it('handles no rows without crashing', () => {
    const m = computeMetrics(new Float32Array(0), new Uint8Array(0));
    expect(m.n).toBe(0);
    expect(m.accuracy).toBeNaN();
    expect(m.balancedAccuracy).toBeNaN();
    expect(m.loss).toBeNaN();
    expect(m.brier).toBeNaN();
    expect(m.rocAuc).toBeNaN();
    expect(m.prAuc).toBeNaN();
    expect(m.f1).toBe(0);
    expect(m.confusion).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('clips the loss at 1e-7, as Keras does', () => {
    // -log(1e-7) for a confident miss either way
    expect(logLoss([0, 1], [1, 0])).toBeCloseTo(-Math.log(EPSILON), 9);
    expect(logLoss([1, 0], [1, 0])).toBeCloseTo(-Math.log(1 - EPSILON), 12);
  });

  it('rejects mismatched lengths', () => {
    expect(() => computeMetrics([0.1, 0.2], [1])).toThrow(/differ in length/);
  });
});

describe('properties', () => {
  it('AUC equals the pairwise definition and AP its definition', () => {
    fc.assert(
      fc.property(rows, (r) => {
        const { p, y } = unzip(r);
        fc.pre(y.includes(0) && y.includes(1));
        expect(rocAuc(p, y)).toBeCloseTo(pairwiseAuc(p, y), 12);
        expect(averagePrecision(p, y)).toBeCloseTo(definitionAp(p, y), 12);
      }),
    );
  });

  it('AUC of 1 - p is 1 - AUC of p', () => {
    fc.assert(
      fc.property(rows, (r) => {
        const { p, y } = unzip(r);
        fc.pre(y.includes(0) && y.includes(1));
        expect(rocAuc(p.map((v) => 1 - v), y)).toBeCloseTo(1 - rocAuc(p, y), 12);
      }),
    );
  });

  it('AUC and AP are invariant under increasing transforms', () => {
    fc.assert(
      fc.property(rows, (r) => {
        const { p, y } = unzip(r);
        fc.pre(y.includes(1));
        const transformed = p.map((v) => 3 * Math.log(v + 0.01) + 7);
        if (y.includes(0)) expect(rocAuc(transformed, y)).toBeCloseTo(rocAuc(p, y), 12);
        expect(averagePrecision(transformed, y)).toBeCloseTo(averagePrecision(p, y), 12);
      }),
    );
  });

  it('keeps every metric in [0, 1] and the confusion matrix summing to n', () => {
    fc.assert(
      fc.property(rows, fc.double({ min: 0, max: 1, noNaN: true }), (r, threshold) => {
        const { p, y } = unzip(r);
        const m = computeMetrics(p, y, threshold);
        const [[tn, fp], [fn, tp]] = m.confusion;
        expect(tn + fp + fn + tp).toBe(p.length);
        expect(tp + fn).toBe(m.positives);
        for (const v of [m.accuracy, m.balancedAccuracy, m.precision, m.recall, m.f1, m.brier]) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
        for (const v of [m.rocAuc, m.prAuc]) {
          if (!Number.isNaN(v)) {
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(1);
          }
        }
        expect(m.loss).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});
