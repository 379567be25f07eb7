/** The data audit: what to know about a customer table before training on it. Pure: table in, report out. */
import type { Table } from '../core/table.js';
import type {
  AuditOptions,
  AuditReport,
  ClassBalance,
  DuplicateIds,
  DuplicateRows,
  Finding,
  PairDetails,
  Severity,
  ValueFillDetails,
} from './types.js';
import { columnFacts, toSummary, type ColumnFacts } from './columns.js';
import { findDuplicateIds, findDuplicateRows } from './duplicates.js';
import { detectFill, type FillVerdict } from './fills.js';
import { comparePair, matchPairs } from './pairs.js';
import { findLeakage } from './leakage.js';
import { count, customers, percent, plural, quote, value } from './words.js';

export const DEFAULT_AUDIT_OPTIONS: AuditOptions = {
  testShare: 0.2,
  pureGroupMinShare: 0.02,
  pureGroupMinCount: 30,
  pureGroupMaxChance: 1e-9,
  pureGroupMinContrast: 0.2,
  separatorAuc: 0.98,
  minClassCount: 10,
  minLevelCount: 10,
  fillMinShare: 0.1,
  fillMinRatio: 5,
  fillMinCount: 30,
  maxExamples: 5,
  labels: { positive: 'bought again', negative: 'did not buy again' },
};

const SEVERITY_RANK: Record<Severity, number> = { problem: 0, warning: 1, info: 2 };
const MISSING_WARNING_SHARE = 0.2;
const DUPLICATE_WARNING_SHARE = 0.05;
const MINORITY_WARNING_SHARE = 0.05;
const MINORITY_NOTE_SHARE = 0.4;

function classBalanceOf(target: Uint8Array): ClassBalance {
  let positives = 0;
  for (const t of target) if (t !== 0) positives++;
  const n = target.length;
  return { positives, negatives: n - positives, positiveShare: n === 0 ? 0 : positives / n };
}

function balanceFindings(balance: ClassBalance, options: AuditOptions): Finding[] {
  const { positive, negative } = options.labels;
  const n = balance.positives + balance.negatives;
  if (balance.positives === 0 || balance.negatives === 0) {
    const only = balance.positives === 0 ? negative : positive;
    return [
      {
        code: 'TARGET_CONSTANT',
        severity: 'problem',
        column: null,
        message: `Every one of the ${customers(n)} ${only}: with a single outcome there is nothing to learn.`,
        details: balance,
      },
    ];
  }
  const minorityIsPositive = balance.positives <= balance.negatives;
  const minority = minorityIsPositive ? balance.positives : balance.negatives;
  const share = minority / n;
  if (share >= MINORITY_NOTE_SHARE) return [];
  return [
    {
      code: 'CLASS_IMBALANCE',
      severity: share < MINORITY_WARNING_SHARE ? 'warning' : 'info',
      column: null,
      message:
        `Only ${count(minority)} of ${customers(n)} (${percent(share)}) ${minorityIsPositive ? positive : negative}. ` +
        `A model that always answers "${minorityIsPositive ? negative : positive}" is already right ${percent(1 - share)} of the time, ` +
        'so judge models on balanced data or by more than accuracy.',
      details: balance,
    },
  ];
}

function columnFindings(facts: readonly ColumnFacts[], nRows: number): Finding[] {
  const findings: Finding[] = [];
  for (const c of facts) {
    if (c.distinct <= 1) {
      findings.push({
        code: 'CONSTANT_COLUMN',
        severity: 'warning',
        column: c.name,
        message:
          c.distinct === 0
            ? `${quote(c.name)} is empty for every customer: it carries no information.`
            : `${quote(c.name)} is ${shownValue(c.onlyValue)} for every customer${c.missing > 0 ? ` who has a value (${count(c.missing)} have none)` : ''}: it cannot tell anyone apart, so it can be dropped.`,
        details: { value: c.onlyValue, missing: c.missing },
      });
    }
    if (c.missing > 0 && c.distinct > 0) {
      findings.push({
        code: 'MISSING_VALUES',
        severity: c.missingShare >= MISSING_WARNING_SHARE ? 'warning' : 'info',
        column: c.name,
        message: `${quote(c.name)} is missing for ${count(c.missing)} of ${customers(nRows)} (${percent(c.missingShare)}).`,
        details: { missing: c.missing, share: c.missingShare },
      });
    }
  }
  return findings;
}

function shownValue(v: number | string | null): string {
  return typeof v === 'number' ? value(v) : JSON.stringify(v);
}

function duplicateRowFindings(d: DuplicateRows, nRows: number, hasTarget: boolean, options: AuditOptions): Finding[] {
  if (d.groups === 0) return [];
  const { split } = d;
  const findings: Finding[] = [
    {
      code: 'DUPLICATE_ROWS',
      severity: d.rows / nRows >= DUPLICATE_WARNING_SHARE ? 'warning' : 'info',
      column: null,
      message:
        `${plural(d.groups, 'group')} of customers have exactly the same values in every column the model sees ` +
        `(${customers(d.rows)}, ${percent(d.rows / nRows)} of all; the largest group has ${count(d.largestGroup)}). ` +
        `In a random ${Math.round((1 - split.testShare) * 100)}/${Math.round(split.testShare * 100)} split, about ` +
        `${count(split.expectedTestRowsWithTrainTwin)} of the ${count(split.testRows)} test customers would have an identical twin in the training data, ` +
        `and about ${count(split.expectedGroupsSplit)} of these groups would land on both sides. ` +
        'Where twins share the outcome, test scores look a little better than they will be on new customers.',
      details: d,
    },
  ];
  if (hasTarget && d.conflictingGroups > 0) {
    const { positive, negative } = options.labels;
    findings.push({
      code: 'CONFLICTING_DUPLICATES',
      severity: 'warning',
      column: null,
      message:
        `${plural(d.conflictingGroups, 'group')} of customers with identical values in every column the model sees ` +
        `(${customers(d.conflictingRows)}) mix outcomes: some ${positive} and some ${negative}. No model can get all of them right.`,
      details: d,
    });
  }
  return findings;
}

const FILL_CODE: Record<FillVerdict, 'FILLED_VALUE' | 'DOMINANT_VALUE' | 'DOMINANT_ZERO'> = {
  filled: 'FILLED_VALUE',
  dominant: 'DOMINANT_VALUE',
  zero: 'DOMINANT_ZERO',
};

function fillMessage(column: string, verdict: FillVerdict, d: ValueFillDetails, present: number, nRows: number): string {
  const name = quote(column);
  const v = value(d.value);
  const withValue = present < nRows ? ' with a value' : '';
  const head = `${name} is ${v} for ${count(d.count)} of ${customers(present)}${withValue} (${percent(d.share)})`;
  const next = d.secondValue === null ? '' : `; the next most common value, ${value(d.secondValue)}, appears ${plural(d.secondCount, 'time')}`;
  if (verdict === 'zero') {
    return `${head}. Zero is a natural value here (none at all), so this is not treated as filled in.`;
  }
  if (verdict === 'dominant') {
    return `${head}${next}. It may be genuine, but check whether it was filled in for missing values.`;
  }
  const reasons: string[] = [];
  if (d.offGrid) reasons.push(`${v} is not a whole number while ${percent(d.wholeShareOfOthers)} of the other values are`);
  if (d.meanLike && d.meanOfOthers !== null) reasons.push(`it equals the average of the other values (${Number(d.meanOfOthers.toPrecision(4))})`);
  const companion = d.companion
    ? ` All ${count(d.companion.filledRows)} of them have ${quote(d.companion.column)} = ${value(d.companion.value)}` +
      (d.companion.otherRowsWithValue > 0
        ? ` (as do ${customers(d.companion.otherRowsWithValue)} with another ${name})`
        : '') +
      `, so ${quote(d.companion.column)} already marks them.`
    : '';
  return (
    `${head}${next}. ${reasons.join(', and ')}: it looks filled in where the value was missing, not observed.${companion} ` +
    `Treat ${v} as "missing" (with a flag) rather than as a real ${name}.`
  );
}

function fillFindings(table: Table, options: AuditOptions): Finding[] {
  const findings: Finding[] = [];
  const numericFeatures = table.schema.features.filter((f) => table.numeric.has(f.name));
  for (const feature of numericFeatures) {
    const values = table.numeric.get(feature.name)!;
    const others = new Map(numericFeatures.filter((f) => f !== feature).map((f) => [f.name, table.numeric.get(f.name)!]));
    const candidate = detectFill(values, others, options);
    if (!candidate) continue;
    const present = Math.round(candidate.details.count / candidate.details.share);
    findings.push({
      code: FILL_CODE[candidate.verdict],
      severity: candidate.verdict === 'filled' ? 'warning' : 'info',
      column: feature.name,
      message: fillMessage(feature.name, candidate.verdict, candidate.details, present, table.nRows),
      details: candidate.details,
    });
  }
  return findings;
}

function pairMessage(d: PairDetails, swapped: boolean): string {
  const total = quote(d.totalColumn);
  const average = quote(d.averageColumn);
  if (!swapped) {
    return (
      `For ${count(d.totalBelowAverage)} of ${customers(d.comparedRows)} the total ${total} is smaller than the average ${average}, ` +
      `which cannot be, while for ${count(d.totalAboveAverage)} it is larger. Check how these two columns were computed.`
    );
  }
  const ratios = d.ratioCounts.map((r) => `${value(r.ratio)} for ${count(r.rows)}`).join(', ');
  return (
    `${total} should be a total and ${average} an average, so ${total} can never be the smaller one. ` +
    `Yet for all ${customers(d.comparedRows)} ${total} is at most ${average} ` +
    `(smaller for ${count(d.totalBelowAverage)}, equal for ${count(d.equal)}, larger for none). ` +
    `The two headers look swapped: read ${average} as the total and ${total} as the average. ` +
    `Their ratio is then the number of items bought` +
    (ratios ? `: ${ratios}` : '') +
    (d.wholeRatioShare !== null ? ` (a whole number for ${percent(d.wholeRatioShare)} of customers).` : '.')
  );
}

function pairFindings(table: Table, pairs: readonly { total: string; average: string }[]): Finding[] {
  const findings: Finding[] = [];
  for (const { total, average } of pairs) {
    const d = comparePair(total, average, table.numeric.get(total)!, table.numeric.get(average)!);
    if (d.totalBelowAverage === 0) continue;
    const swapped = d.totalAboveAverage === 0;
    findings.push({
      code: swapped ? 'HEADERS_SWAPPED' : 'PAIR_INCONSISTENT',
      severity: swapped ? 'problem' : 'warning',
      column: total,
      message: pairMessage(d, swapped),
      details: d,
    });
  }
  return findings;
}

function noTargetFinding(): Finding {
  return {
    code: 'NO_TARGET',
    severity: 'info',
    column: null,
    message: 'The table has no outcome column, so the class balance, conflicting duplicates and leakage were not checked.',
    details: {},
  };
}

function duplicateIdFinding(d: DuplicateIds, idColumn: string | null): Finding {
  const examples = d.examples.map((id) => JSON.stringify(id)).join(', ');
  return {
    code: 'DUPLICATE_IDS',
    severity: 'problem',
    column: idColumn,
    message:
      `${plural(d.groups, 'customer ID occurs', 'customer IDs occur')} more than once (${count(d.rows)} rows), e.g. ${examples}. ` +
      'Each customer should appear once: a repeated customer is counted twice and can sit in both the training and the test data.',
    details: d,
  };
}

export function auditTable(table: Table, opts: Partial<AuditOptions> = {}): AuditReport {
  const options: AuditOptions = { ...DEFAULT_AUDIT_OPTIONS, ...opts };
  const facts = columnFacts(table);
  const duplicateIds = table.schema.id !== null ? findDuplicateIds(table.ids, options.maxExamples) : null;
  const duplicateRows = findDuplicateRows(table, options.testShare);
  const balance = table.target ? classBalanceOf(table.target) : null;
  const findings: Finding[] = [];

  if (table.nRows === 0) {
    findings.push({ code: 'EMPTY_TABLE', severity: 'problem', column: null, message: `${table.source} has no customers (no data rows).`, details: {} });
  } else {
    // In the order the text report shows them; sorting by severity below keeps this order within a severity.
    findings.push(...(balance ? balanceFindings(balance, options) : [noTargetFinding()]));
    const numericNames = table.schema.features.map((f) => f.name).filter((name) => table.numeric.has(name));
    const pairs = matchPairs(numericNames);
    if (table.target && balance && balance.positives > 0 && balance.negatives > 0) {
      findings.push(...findLeakage(table, table.target, balance, pairs, options));
    }
    findings.push(...pairFindings(table, pairs));
    findings.push(...fillFindings(table, options));
    if (duplicateIds && duplicateIds.groups > 0) findings.push(duplicateIdFinding(duplicateIds, table.schema.id));
    findings.push(...duplicateRowFindings(duplicateRows, table.nRows, table.target !== null, options));
    findings.push(...columnFindings(facts, table.nRows));
  }

  findings.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  const counts: Record<Severity, number> = { problem: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return {
    source: table.source,
    idColumn: table.schema.id,
    targetColumn: table.schema.target,
    nRows: table.nRows,
    nFeatures: table.schema.features.length,
    classBalance: balance,
    columns: facts.map(toSummary),
    duplicateIds,
    duplicateRows,
    findings,
    counts,
    options,
  };
}
