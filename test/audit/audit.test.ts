import { describe, expect, it } from 'vitest';
import { auditTable } from '../../src/audit/audit.js';
import { findingsOf, makeTable, seeded } from './helpers.js';
import { cleanTable, plantedTable } from './synthetic.js';

describe('auditTable on a table with planted problems', () => {
  const planted = plantedTable();
  const report = auditTable(planted.table);
  const n = planted.table.nRows;

  it('finds the leaky column with its exact count and direction', () => {
    const leaks = findingsOf(report.findings, 'PURE_GROUP').filter((f) => f.column === 'leaky');
    expect(leaks).toHaveLength(1);
    const [leak] = leaks;
    expect(leak!.severity).toBe('problem');
    expect(leak!.details).toMatchObject({
      kind: 'threshold',
      direction: '>=',
      threshold: 5,
      nextValue: 4,
      rows: planted.leakyFive,
      targetClass: 1,
    });
    expect(leak!.message).toContain(`All ${planted.leakyFive.toLocaleString('en-US')} customers whose "leaky" is at least 5 bought again`);
    expect(leak!.message).toMatch(/recorded after the outcome/);
  });

  it('finds the near-perfect separator', () => {
    const separators = findingsOf(report.findings, 'SEPARATOR');
    expect(separators.map((f) => f.column)).toEqual(['separator']);
    const d = separators[0]!.details;
    expect(d.auc).toBeGreaterThanOrEqual(0.98);
    expect(d.bestCut?.direction).toBe('>=');
    expect(d.bestCut!.correct + d.bestCut!.wrong).toBe(n);
    expect(d.bestCut!.wrong).toBeLessThan(n * 0.02);
  });

  it('finds the mean fill, with its count and the column that marks it', () => {
    const fills = findingsOf(report.findings, 'FILLED_VALUE');
    expect(fills.map((f) => f.column)).toEqual(['score']);
    const d = fills[0]!.details;
    expect(d.value).toBe(planted.scoreFill);
    expect(d.count).toBe(planted.filledScores);
    expect(d.offGrid).toBe(true);
    expect(d.meanLike).toBe(true);
    expect(d.companion).toEqual({ column: 'reviewed', value: 0, filledRows: planted.filledScores, otherRowsWithValue: 0 });
  });

  it('finds the swapped total/average pair', () => {
    const swaps = findingsOf(report.findings, 'HEADERS_SWAPPED');
    expect(swaps).toHaveLength(1);
    const d = swaps[0]!.details;
    expect(d).toMatchObject({
      totalColumn: 'spend_overall',
      averageColumn: 'spend_avg',
      comparedRows: n,
      totalBelowAverage: planted.multiItem,
      equal: planted.singleItem,
      totalAboveAverage: 0,
    });
    expect(d.ratioCounts[0]).toEqual({ ratio: 1, rows: planted.singleItem });
    expect(d.ratioCounts.map((r) => r.ratio).sort()).toEqual([1, 2, 3]);
    expect(d.wholeRatioShare).toBe(1);
    expect(swaps[0]!.message).toMatch(/headers look swapped/);
  });

  it('counts duplicate feature rows, their conflicts and the expected split overlap', () => {
    const d = report.duplicateRows;
    expect(d).toMatchObject({
      groups: planted.duplicatePairs,
      rows: 2 * planted.duplicatePairs,
      conflictingGroups: planted.conflictingPairs,
      conflictingRows: 2 * planted.conflictingPairs,
      largestGroup: 2,
    });
    // A pair is split with probability 2·m·(n−m) / (n·(n−1)), m = 400 test rows of 2000.
    const pairSplit = (2 * 400 * 1600) / (2000 * 1999);
    expect(d.split.testRows).toBe(400);
    expect(d.split.expectedGroupsSplit).toBeCloseTo(4 * pairSplit, 12);
    expect(d.split.expectedTestRowsWithTrainTwin).toBeCloseTo(4 * pairSplit, 12);
    expect(findingsOf(report.findings, 'CONFLICTING_DUPLICATES')).toHaveLength(1);
  });

  it('finds the constant column, the duplicate IDs and the missing values', () => {
    const constant = findingsOf(report.findings, 'CONSTANT_COLUMN');
    expect(constant.map((f) => [f.column, f.details.value])).toEqual([['constant', 3]]);
    expect(report.duplicateIds).toEqual({ groups: 2, rows: 5, examples: ['c10', 'c20'] });
    expect(findingsOf(report.findings, 'DUPLICATE_IDS')[0]?.severity).toBe('problem');
    const missing = findingsOf(report.findings, 'MISSING_VALUES').map((f) => [f.column, f.details.missing]);
    expect(missing).toEqual([
      ['gaps', planted.missingGaps],
      ['segment', planted.missingSegment],
    ]);
  });

  it('reports no leakage in the pure-noise columns and lists problems first', () => {
    const leakColumns = new Set(findingsOf(report.findings, 'PURE_GROUP').map((f) => f.column));
    expect(leakColumns.has('noise')).toBe(false);
    expect(leakColumns.has('gaps')).toBe(false);
    const ranks = report.findings.map((f) => ['problem', 'warning', 'info'].indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(report.counts.problem).toBe(report.findings.filter((f) => f.severity === 'problem').length);
  });

  it('is plain JSON: it survives a round trip unchanged', () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});

describe('auditTable on clean tables', () => {
  for (const seed of [1, 2, 3]) {
    it(`reports nothing on random independent columns (seed ${seed})`, () => {
      const table = cleanTable(3000, seed);
      const report = auditTable(table);
      expect(report.findings.map((f) => `${f.code} ${f.column}: ${f.message}`)).toEqual([]);
      expect(report.classBalance!.positives + report.classBalance!.negatives).toBe(3000);
      expect(report.duplicateRows.groups).toBe(0);
      expect(report.duplicateIds).toEqual({ groups: 0, rows: 0, examples: [] });
    });
  }
});

describe('auditTable edge cases', () => {
  it('reports an empty table as a problem and nothing else', () => {
    const report = auditTable(makeTable({ numeric: { x: [] }, target: [] }));
    expect(report.findings.map((f) => f.code)).toEqual(['EMPTY_TABLE']);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('handles a single row', () => {
    const report = auditTable(makeTable({ numeric: { x: [1] }, target: [1] }));
    expect(report.findings.map((f) => f.code).sort()).toEqual(['CONSTANT_COLUMN', 'TARGET_CONSTANT']);
  });

  it('skips target checks without a target', () => {
    const report = auditTable(makeTable({ numeric: { x: [1, 2, 3] } }));
    expect(report.classBalance).toBeNull();
    expect(report.findings.map((f) => f.code)).toEqual(['NO_TARGET']);
  });

  it('flags a column that is entirely missing as constant, not as missing values', () => {
    const report = auditTable(makeTable({ numeric: { x: [1, 2, 3, 4], empty: [NaN, NaN, NaN, NaN] }, target: [0, 1, 0, 1] }));
    const constant = findingsOf(report.findings, 'CONSTANT_COLUMN');
    expect(constant.map((f) => [f.column, f.details.value, f.details.missing])).toEqual([['empty', null, 4]]);
    expect(findingsOf(report.findings, 'MISSING_VALUES')).toEqual([]);
  });

  it('finds a one-class group below a threshold (the ≤ direction)', () => {
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 1000; i++) {
      x.push(i);
      y.push(i < 100 ? 0 : i % 2); // the 100 lowest never buy again; above, half do
    }
    const pure = findingsOf(auditTable(makeTable({ numeric: { x }, target: y })).findings, 'PURE_GROUP');
    const onX = pure.filter((f) => f.column === 'x');
    expect(onX).toHaveLength(1);
    expect(onX[0]!.details).toMatchObject({ direction: '<=', threshold: 100, nextValue: 101, rows: 101, targetClass: 0 });
    expect(onX[0]!.message).toContain('did not buy again');
  });

  it('does not report a one-class group that chance explains (very common class)', () => {
    // 97 % class 0: a run of 40 class-0 rows at one end has chance 0.97^40 ≈ 0.3.
    const x = Array.from({ length: 2000 }, (_, i) => i);
    const y = x.map((i) => (i >= 40 && i % 33 === 0 ? 1 : 0));
    const pure = findingsOf(auditTable(makeTable({ numeric: { x }, target: y })).findings, 'PURE_GROUP');
    expect(pure.filter((f) => f.column === 'x')).toEqual([]);
  });

  it('does not call the one-class tail of a strong but smooth trend a leak', () => {
    // P(buy) = logistic(2x): the top few percent nearly always buy, with no cliff at any threshold.
    for (const seed of [1, 2, 3, 4, 5]) {
      const rand = seeded(seed);
      const x = Array.from({ length: 5000 }, () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()));
      const y = x.map((v) => (rand() < 1 / (1 + Math.exp(-2 * v)) ? 1 : 0));
      expect(auditTable(makeTable({ numeric: { x }, target: y })).findings).toEqual([]);
    }
  });

  it('says how mixed the customers just past a leaky threshold are', () => {
    const x = Array.from({ length: 1000 }, (_, i) => i % 10);
    const y = x.map((v, i) => (v === 9 ? 1 : i % 3 === 0 ? 1 : 0)); // value 8: rows 18, 48, …, 978 buy
    const [leak] = findingsOf(auditTable(makeTable({ numeric: { x }, target: y })).findings, 'PURE_GROUP');
    expect(leak?.details).toMatchObject({ threshold: 9, rows: 100, adjacentRows: 100 });
    expect(leak!.details.adjacentShare).toBeCloseTo(33 / 100, 10);
    expect(leak!.message).toContain('Right past that threshold it is different: of the 100 customers whose "x" is 8, 33.0 % bought again.');
    expect(leak!.message).toContain('Put the other way: for all 600 customers who did not buy again, "x" is at most 8.');
  });

  it('checks each category and the missing values of a column', () => {
    const n = 600;
    const channel = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 'partner' : i % 3 === 1 ? 'web' : 'app'));
    const coupon = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? NaN : i % 7));
    const y = channel.map((c, i) => (c === 'partner' ? 1 : i % 5 === 0 ? 0 : (i * 7) % 2));
    const report = auditTable(makeTable({ numeric: { coupon }, categorical: { channel }, target: y }));
    const pure = findingsOf(report.findings, 'PURE_GROUP');
    const level = pure.find((f) => f.details.kind === 'level');
    expect(level?.column).toBe('channel');
    expect(level?.details).toMatchObject({ level: 'partner', rows: 200, targetClass: 1 });
    expect(level?.message).toContain('All 200 customers with "channel" equal to "partner" bought again');
  });

  it('finds the missing rows of a column as a one-class group', () => {
    const n = 600;
    const x = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? NaN : (i * 37) % 101));
    const y = x.map((v, i) => (Number.isNaN(v) ? 0 : (i * 13) % 3 === 0 ? 1 : 0));
    const pure = findingsOf(auditTable(makeTable({ numeric: { x }, target: y })).findings, 'PURE_GROUP');
    const missing = pure.find((f) => f.details.kind === 'missing');
    expect(missing?.details).toMatchObject({ rows: 120, targetClass: 0, level: null });
    expect(missing?.message).toContain('with no value in "x"');
  });

  it('reports a file sorted by outcome through the row order, as a warning', () => {
    const n = 1000;
    const x = Array.from({ length: n }, (_, i) => (i * 7919) % 1000);
    const y = Array.from({ length: n }, (_, i) => (i < 300 ? 1 : 0));
    const report = auditTable(makeTable({ numeric: { x }, target: y }));
    const byOrder = report.findings.filter((f) => f.column === '(row order)');
    expect(byOrder.map((f) => [f.code, f.severity])).toEqual([
      ['PURE_GROUP', 'warning'],
      ['PURE_GROUP', 'warning'],
      ['SEPARATOR', 'warning'],
    ]);
    expect(byOrder[0]!.message).toContain('in the first 300 rows of the file (lines 2 to 301)');
  });

  it('honours custom outcome labels', () => {
    const x = Array.from({ length: 1000 }, (_, i) => i);
    const y = x.map((i) => (i >= 900 ? 1 : i % 2));
    const report = auditTable(makeTable({ numeric: { x }, target: y }), { labels: { positive: 'renewed', negative: 'churned' } });
    expect(findingsOf(report.findings, 'PURE_GROUP')[0]?.message).toContain('whose "x" is at least 899 renewed');
  });
});
