/**
 * One column against the 0/1 target, from a single sort: the rows grouped by distinct value, the
 * longest one-class runs from either end, the ROC-AUC and the best single cut.
 */

/** Distinct values ascending, with the count of each class and the rows (ordered by value). */
export interface ValueGroups {
  values: Float64Array;
  negatives: Int32Array;
  positives: Int32Array;
  /** start[i]..start[i+1] indexes `rows` for group i. */
  start: Int32Array;
  rows: Int32Array;
}

export function groupByValue(x: ArrayLike<number>, target: Uint8Array): ValueGroups {
  const present: number[] = [];
  for (let row = 0; row < x.length; row++) if (!Number.isNaN(x[row])) present.push(row);
  const rows = Int32Array.from(present).sort((a, b) => x[a]! - x[b]!);
  const values: number[] = [];
  const negatives: number[] = [];
  const positives: number[] = [];
  const start: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const v = x[row]!;
    if (values.length === 0 || values[values.length - 1] !== v) {
      values.push(v);
      negatives.push(0);
      positives.push(0);
      start.push(i);
    }
    const last = values.length - 1;
    if (target[row] !== 0) positives[last]!++;
    else negatives[last]!++;
  }
  start.push(rows.length);
  return {
    values: Float64Array.from(values),
    negatives: Int32Array.from(negatives),
    positives: Int32Array.from(positives),
    start: Int32Array.from(start),
    rows,
  };
}

/** A run of groups from one end of the sorted values in which every row has the same class. */
export interface PureRun {
  /** '<=': x ≤ threshold (from the low end); '>=': x ≥ threshold (from the high end). */
  direction: '<=' | '>=';
  threshold: number;
  /** The nearest value outside the run; null if the run holds every value. */
  nextValue: number | null;
  rows: number;
  targetClass: 0 | 1;
  /** Sum of the run's row indices: with `rows` and the class, identifies the set of rows. */
  rowIndexSum: number;
  /** The values just past the run, whole values at a time until they hold at least `rows` rows. */
  adjacent: { from: number; to: number; rows: number; sameClass: number } | null;
}

function pureRun(groups: ValueGroups, direction: '<=' | '>='): PureRun | null {
  const n = groups.values.length;
  const at = (k: number): number => (direction === '<=' ? k : n - 1 - k);
  let targetClass: 0 | 1 | null = null;
  let taken = 0;
  let rows = 0;
  for (; taken < n; taken++) {
    const g = at(taken);
    const neg = groups.negatives[g]!;
    const pos = groups.positives[g]!;
    const cls = neg === 0 ? 1 : pos === 0 ? 0 : null;
    if (cls === null || (targetClass !== null && cls !== targetClass)) break;
    targetClass = cls;
    rows += neg + pos;
  }
  if (targetClass === null || taken === 0) return null;
  let rowIndexSum = 0;
  for (let k = 0; k < taken; k++) {
    const g = at(k);
    for (let i = groups.start[g]!; i < groups.start[g + 1]!; i++) rowIndexSum += groups.rows[i]!;
  }
  let adjacentRows = 0;
  let adjacentSame = 0;
  let last = taken;
  for (; last < n && adjacentRows < rows; last++) {
    const g = at(last);
    adjacentRows += groups.negatives[g]! + groups.positives[g]!;
    adjacentSame += targetClass === 1 ? groups.positives[g]! : groups.negatives[g]!;
  }
  const adjacent =
    adjacentRows === 0
      ? null
      : { from: groups.values[at(taken)]!, to: groups.values[at(last - 1)]!, rows: adjacentRows, sameClass: adjacentSame };
  return {
    direction,
    threshold: groups.values[at(taken - 1)]!,
    nextValue: taken < n ? groups.values[at(taken)]! : null,
    rows,
    targetClass,
    rowIndexSum,
    adjacent,
  };
}

/** The longest one-class runs from the low end (x ≤ t) and from the high end (x ≥ t), and what lies just past each. */
export function pureRuns(groups: ValueGroups): PureRun[] {
  return [pureRun(groups, '<='), pureRun(groups, '>=')].filter((r): r is PureRun => r !== null);
}

/** P(x of a random class-1 row > x of a random class-0 row), ties counting half. NaN without both classes. */
export function aucOf(groups: ValueGroups): number {
  let negativesBelow = 0;
  let wins = 0;
  let negatives = 0;
  let positives = 0;
  for (let g = 0; g < groups.values.length; g++) {
    const neg = groups.negatives[g]!;
    const pos = groups.positives[g]!;
    wins += pos * (negativesBelow + neg / 2);
    negativesBelow += neg;
    negatives += neg;
    positives += pos;
  }
  return negatives === 0 || positives === 0 ? Number.NaN : wins / (negatives * positives);
}

/** The cut that classifies the most rows right, predicting class 1 on the `direction` side. */
export function bestCut(
  groups: ValueGroups,
  direction: '<=' | '>=',
): { direction: '<=' | '>='; threshold: number; correct: number; wrong: number } | null {
  const n = groups.values.length;
  if (n < 2) return null;
  let totalNeg = 0;
  let totalPos = 0;
  for (let g = 0; g < n; g++) {
    totalNeg += groups.negatives[g]!;
    totalPos += groups.positives[g]!;
  }
  // Cut between group g-1 and g: rows in groups < g on one side.
  let negBelow = 0;
  let posBelow = 0;
  let best = { threshold: Number.NaN, correct: -1 };
  for (let g = 1; g < n; g++) {
    negBelow += groups.negatives[g - 1]!;
    posBelow += groups.positives[g - 1]!;
    const correct =
      direction === '>=' ? negBelow + (totalPos - posBelow) : posBelow + (totalNeg - negBelow);
    if (correct > best.correct) {
      best = { threshold: direction === '>=' ? groups.values[g]! : groups.values[g - 1]!, correct };
    }
  }
  return { direction, threshold: best.threshold, correct: best.correct, wrong: totalNeg + totalPos - best.correct };
}
