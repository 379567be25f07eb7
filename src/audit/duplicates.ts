/** Duplicate customer IDs and duplicate feature rows, and what a random split does with the latter. */
import type { Table } from '../core/table.js';
import type { DuplicateIds, DuplicateRows, SplitOverlap } from './types.js';

export function findDuplicateIds(ids: readonly string[], maxExamples: number): DuplicateIds {
  const seen = new Map<string, number>();
  for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
  let groups = 0;
  let rows = 0;
  const examples: string[] = [];
  for (const [id, n] of seen) {
    if (n < 2) continue;
    groups++;
    rows += n;
    if (examples.length < maxExamples) examples.push(id);
  }
  return { groups, rows, examples };
}

/** One string per row that is equal exactly when the feature vectors are (missing equals missing). */
function rowKeys(table: Table): string[] {
  const keys = new Array<string>(table.nRows).fill('');
  for (const feature of table.schema.features) {
    const numeric = table.numeric.get(feature.name);
    const categorical = table.categorical.get(feature.name);
    for (let row = 0; row < table.nRows; row++) {
      const part = numeric ? String(numeric[row]) : JSON.stringify(categorical?.[row] ?? null);
      keys[row] += `${part}\u0001`;
    }
  }
  return keys;
}

/** Groups of rows with identical features: the size of each group of two or more, and its count of class 1. */
export function duplicateFeatureGroups(table: Table): { size: number; positives: number }[] {
  const byKey = new Map<string, { size: number; positives: number }>();
  const keys = rowKeys(table);
  for (let row = 0; row < keys.length; row++) {
    const key = keys[row]!;
    let group = byKey.get(key);
    if (!group) {
      group = { size: 0, positives: 0 };
      byKey.set(key, group);
    }
    group.size++;
    if (table.target && table.target[row] !== 0) group.positives++;
  }
  return [...byKey.values()].filter((g) => g.size > 1);
}

/** Chance that `draws` rows drawn without replacement from `nRows` all land among `slots` given rows. */
function chanceAllIn(slots: number, draws: number, nRows: number): number {
  let p = 1;
  for (let i = 0; i < draws; i++) {
    const factor = (slots - i) / (nRows - i);
    if (factor <= 0) return 0;
    p *= factor;
  }
  return p;
}

/**
 * Exact expectations for a split that puts a uniformly random round(testShare · nRows) rows in the
 * test set. For a group of g identical rows, with m test rows out of n:
 *   P(group on both sides)            = 1 − C(m,g)/C(n,g) − C(n−m,g)/C(n,g)
 *   E(test rows with a train twin)    = g · (m/n) · (1 − C(m−1,g−1)/C(n−1,g−1))
 */
export function expectedSplitOverlap(groupSizes: readonly number[], nRows: number, testShare: number): SplitOverlap {
  const testRows = Math.round(nRows * testShare);
  const trainRows = nRows - testRows;
  let expectedGroupsSplit = 0;
  let expectedRowsInSplitGroups = 0;
  let expectedTestRowsWithTrainTwin = 0;
  const cache = new Map<number, [number, number]>();
  for (const g of groupSizes) {
    let terms = cache.get(g);
    if (!terms) {
      const split = 1 - chanceAllIn(testRows, g, nRows) - chanceAllIn(trainRows, g, nRows);
      const twin = testRows === 0 ? 0 : g * (testRows / nRows) * (1 - chanceAllIn(testRows - 1, g - 1, nRows - 1));
      terms = [Math.max(0, split), twin];
      cache.set(g, terms);
    }
    expectedGroupsSplit += terms[0];
    expectedRowsInSplitGroups += g * terms[0];
    expectedTestRowsWithTrainTwin += terms[1];
  }
  return { testShare, testRows, expectedGroupsSplit, expectedRowsInSplitGroups, expectedTestRowsWithTrainTwin };
}

export function findDuplicateRows(table: Table, testShare: number): DuplicateRows {
  const groups = duplicateFeatureGroups(table);
  const conflicting = groups.filter((g) => g.positives > 0 && g.positives < g.size);
  const sizes = groups.map((g) => g.size);
  return {
    groups: groups.length,
    rows: sizes.reduce((a, b) => a + b, 0),
    conflictingGroups: conflicting.length,
    conflictingRows: conflicting.reduce((a, g) => a + g.size, 0),
    largestGroup: sizes.reduce((a, b) => Math.max(a, b), 0),
    split: expectedSplitOverlap(sizes, table.nRows, testShare),
  };
}
