/** The audit on the real Audiobooks file (../shared/data). Counts cross-checked by hand with a plain CSV pass. */
import { beforeAll, describe, expect, it } from 'vitest';
import { auditTable } from '../../src/audit/audit.js';
import { renderAuditText } from '../../src/audit/render.js';
import type { AuditReport } from '../../src/audit/types.js';
import { readTable } from '../../src/data/read.js';
import { REAL_CSV, realDataPresent } from '../helpers/paths.js';
import { findingsOf } from './helpers.js';

const realData = realDataPresent('the audit of the real data');

describe.skipIf(!realData)('audit of audiobooks.csv', () => {
  let report: AuditReport;
  beforeAll(async () => {
    report = auditTable(await readTable(REAL_CSV));
  });

  it('counts customers and the class balance', () => {
    expect(report.nRows).toBe(14_084);
    expect(report.nFeatures).toBe(10);
    expect(report.classBalance).toMatchObject({ positives: 2_237, negatives: 11_847 });
    expect(findingsOf(report.findings, 'CLASS_IMBALANCE')[0]?.severity).toBe('info');
  });

  it('finds the 8.91 review-score fill, marked by "review" = 0', () => {
    const fills = findingsOf(report.findings, 'FILLED_VALUE');
    expect(fills.map((f) => f.column)).toEqual(['review_score']);
    expect(fills[0]!.details).toMatchObject({
      value: 8.91,
      count: 11_616,
      secondValue: 10,
      secondCount: 1_284,
      offGrid: true,
      meanLike: true,
      companion: { column: 'review', value: 0, filledRows: 11_616, otherRowsWithValue: 204 },
    });
    expect(fills[0]!.message).toContain('"review_score" is 8.91 for 11,616 of 14,084 customers (82.5 %)');
  });

  it('does not call the zeros in minutes listened a fill', () => {
    const zeros = findingsOf(report.findings, 'DOMINANT_ZERO');
    expect(zeros.find((f) => f.column === 'minutes_listened')?.details).toMatchObject({ value: 0, count: 8_295 });
    expect(zeros.every((f) => f.severity === 'info')).toBe(true);
  });

  it('finds both overall/avg pairs swapped, the ratio being the number of books', () => {
    const swaps = findingsOf(report.findings, 'HEADERS_SWAPPED');
    expect(swaps.map((f) => [f.details.totalColumn, f.details.averageColumn])).toEqual([
      ['book_length_overall', 'book_length_avg'],
      ['price_overall', 'price_avg'],
    ]);
    for (const swap of swaps) {
      expect(swap.details).toMatchObject({ comparedRows: 14_084, totalBelowAverage: 644, equal: 13_440, totalAboveAverage: 0, wholeRatioShare: 1 });
      expect(swap.details.ratioCounts.slice(0, 3)).toEqual([
        { ratio: 1, rows: 13_440 },
        { ratio: 2, rows: 463 },
        { ratio: 3, rows: 127 },
      ]);
    }
  });

  it('finds four one-class groups: listeners never bought again, multi-book buyers always did', () => {
    const pure = findingsOf(report.findings, 'PURE_GROUP').map((f) => ({
      column: f.column,
      direction: f.details.direction,
      threshold: f.details.threshold,
      rows: f.details.rows,
      targetClass: f.details.targetClass,
    }));
    expect(pure).toEqual([
      { column: 'book_length_avg', direction: '>=', threshold: 2268, rows: 569, targetClass: 1 },
      { column: 'completion', direction: '>=', threshold: 0.01, rows: 5_789, targetClass: 0 },
      { column: 'minutes_listened', direction: '>=', threshold: 11.88, rows: 5_789, targetClass: 0 },
      { column: 'book_length_overall / book_length_avg', direction: '>=', threshold: 2, rows: 644, targetClass: 1 },
    ]);
    expect(findingsOf(report.findings, 'SEPARATOR')).toEqual([]);
  });

  it('counts duplicate feature rows and their conflicts', () => {
    expect(report.duplicateRows).toMatchObject({ groups: 746, rows: 5_741, conflictingGroups: 261, conflictingRows: 4_241, largestGroup: 724 });
    expect(report.duplicateRows.split.testRows).toBe(2_817);
    expect(report.duplicateIds).toEqual({ groups: 0, rows: 0, examples: [] });
  });

  it('renders a report that names the main problems', () => {
    const text = renderAuditText(report).replace(/\s+/g, ' ');
    expect(text).toContain('Found 6 problems (4 leakage suspects and 2 pairs of swapped headers); 3 warnings (1 filled-in value, 1 set of duplicate rows and 1 set of duplicates with conflicting outcomes)');
    expect(text).toContain('for all 2,237 customers who bought again, "completion" is at most 0.');
  });
});
