/**
 * Leakage suspects: a column and a threshold (or a category) under which a sizable group is all one
 * class, and columns that alone separate the classes almost perfectly. Besides the features, it
 * scans the ratio of each total/average pair, the customer ID read as a number, and the row order.
 */
import type { Table } from '../core/table.js';
import type { AuditOptions, ClassBalance, Finding, PureGroupDetails, SeparatorDetails } from './types.js';
import { aucOf, bestCut, groupByValue, pureRuns, type PureRun, type ValueGroups } from './separation.js';
import { pairRatio } from './pairs.js';
import { count, customers, percent, quote, value } from './words.js';

type Derived = PureGroupDetails['derived'];

interface Scanned {
  column: string;
  derived: Derived;
  /** For a ratio: the two columns. */
  of?: [string, string];
}

interface Context {
  table: Table;
  target: Uint8Array;
  balance: ClassBalance;
  options: AuditOptions;
}

const AFTER_THE_FACT =
  'A rule this clean usually means the column was recorded after the outcome, or the data was put together oddly';

function outcome(ctx: Context, cls: 0 | 1): string {
  return cls === 1 ? ctx.options.labels.positive : ctx.options.labels.negative;
}

function classShare(ctx: Context, cls: 0 | 1): number {
  return cls === 1 ? ctx.balance.positiveShare : 1 - ctx.balance.positiveShare;
}

/**
 * Is a one-class group of this size worth reporting? It must be unlikely both at the overall class
 * share and at the share just past the threshold (Laplace-smoothed), and the customers just past the
 * threshold must be mixed: a strong but smooth predictor has one-class tails; a leak has a cliff.
 * Returns log10 of the larger chance, or null.
 */
function sizableAndUnlikely(ctx: Context, rows: number, cls: 0 | 1, adjacent: PureRun['adjacent'] = null): number | null {
  const { pureGroupMinCount, pureGroupMinShare, pureGroupMaxChance } = ctx.options;
  if (rows < pureGroupMinCount || rows < pureGroupMinShare * ctx.table.nRows) return null;
  let log10Chance = rows * Math.log10(classShare(ctx, cls));
  if (adjacent) {
    if (1 - adjacent.sameClass / adjacent.rows < ctx.options.pureGroupMinContrast) return null;
    log10Chance = Math.max(log10Chance, rows * Math.log10((adjacent.sameClass + 1) / (adjacent.rows + 2)));
  }
  return log10Chance <= Math.log10(pureGroupMaxChance) ? log10Chance : null;
}

/** " Right past that threshold it is different: of the 4,719 customers whose "x" is 2160, 11.1 % bought again." */
function pastThreshold(ctx: Context, scanned: Scanned, run: PureRun): string {
  const adj = run.adjacent;
  if (!adj) return '';
  const [low, high] = adj.from <= adj.to ? [adj.from, adj.to] : [adj.to, adj.from];
  const span = low === high ? `is ${value(low)}` : `is between ${value(low)} and ${value(high)}`;
  let who: string;
  switch (scanned.derived) {
    case 'row-order':
      who = `in the ${count(adj.rows)} rows right ${run.direction === '<=' ? 'after' : 'before'} them`;
      break;
    case 'id':
      who = `whose ID ${span}`;
      break;
    case 'ratio':
      who = `for whom that ratio ${span}`;
      break;
    default:
      who = `whose ${quote(scanned.column)} ${span}`;
  }
  const customersWho = scanned.derived === 'row-order' ? `customers ${who}` : `${customers(adj.rows)} ${who}`;
  return ` Right past that threshold it is different: of the ${customersWho}, ${percent(adj.sameClass / adj.rows)} ${outcome(ctx, run.targetClass)}.`;
}

function describeRun(ctx: Context, scanned: Scanned, run: PureRun): string {
  const bound = run.direction === '<=' ? 'at most' : 'at least';
  const t = value(run.threshold);
  switch (scanned.derived) {
    case 'row-order': {
      const line = (row: number): string => count(ctx.table.firstDataLine + row);
      return run.direction === '<='
        ? `in the first ${count(run.rows)} rows of the file (lines ${line(0)} to ${line(run.threshold)})`
        : `in the last ${count(run.rows)} rows of the file (from line ${line(run.threshold)})`;
    }
    case 'id':
      return `whose customer ID, read as a number, is ${bound} ${t}`;
    case 'ratio': {
      const [a, b] = scanned.of!;
      if (run.direction === '<=' && run.threshold === 1) return `for whom ${quote(a)} and ${quote(b)} are equal`;
      return `for whom the larger of ${quote(a)} and ${quote(b)} is ${bound} ${t} times the smaller`;
    }
    default:
      return `whose ${quote(scanned.column)} is ${bound} ${t}`;
  }
}

function advice(scanned: Scanned): string {
  switch (scanned.derived) {
    case 'row-order':
      return 'The file seems sorted by the outcome: harmless once the rows are shuffled, but a split that takes rows in file order would be badly skewed.';
    case 'id':
      return 'The IDs seem to have been handed out in a way that follows the outcome, which points to how the data was put together.';
    case 'ratio': {
      const [a, b] = scanned.of!;
      return `For a total and its average this ratio is the number of items bought. ${AFTER_THE_FACT}: check whether ${quote(a)} and ${quote(b)} include the purchase the outcome is about.`;
    }
    default:
      return `${AFTER_THE_FACT}: check how ${quote(scanned.column)} was collected before training on it.`;
  }
}

function pureGroupMessage(ctx: Context, group: string, rows: number, cls: 0 | 1, advise: string, extra = ''): string {
  const overall = percent(classShare(ctx, cls));
  return (
    `All ${customers(rows)} ${group} ${outcome(ctx, cls)}, without exception ` +
    `(${percent(rows / ctx.table.nRows)} of all customers; overall ${overall} ${outcome(ctx, cls)}, ` +
    `so a group this large would practically never be all alike by chance).${extra} ${advise}`
  );
}

/** " Put the other way: for all 2,237 customers who bought again, "completion" is at most 0." */
function otherWay(ctx: Context, scanned: Scanned, run: PureRun, groups: ValueGroups): string {
  if (run.nextValue === null || (scanned.derived !== null && scanned.derived !== 'ratio')) return '';
  let others = 0;
  const counts = run.targetClass === 1 ? groups.negatives : groups.positives;
  for (const n of counts) others += n;
  const flipped: PureRun = { ...run, direction: run.direction === '>=' ? '<=' : '>=', threshold: run.nextValue };
  const who = `${others === 1 ? 'the 1 customer' : `all ${customers(others)}`} who ${outcome(ctx, run.targetClass === 1 ? 0 : 1)}`;
  const group = describeRun(ctx, scanned, flipped).replace(/^(whose|for whom) /, '');
  return ` Put the other way: for ${who}, ${group}.`;
}

function severityOf(scanned: Scanned): 'warning' | 'problem' {
  return scanned.derived === 'row-order' || scanned.derived === 'id' ? 'warning' : 'problem';
}

function runFindings(ctx: Context, scanned: Scanned, groups: ValueGroups, seen: Set<string>): Finding[] {
  const present = groups.rows.length;
  const findings: Finding[] = [];
  for (const run of pureRuns(groups)) {
    if (run.rows >= present) continue; // the whole column: no threshold splits it
    const log10Chance = sizableAndUnlikely(ctx, run.rows, run.targetClass, run.adjacent);
    if (log10Chance === null) continue;
    const identity = `${run.targetClass}:${run.rows}:${run.rowIndexSum}`;
    if (scanned.derived !== null && seen.has(identity)) continue; // e.g. two pairs giving the same ratio
    seen.add(identity);
    findings.push({
      code: 'PURE_GROUP',
      severity: severityOf(scanned),
      column: scanned.column,
      message: pureGroupMessage(
        ctx,
        describeRun(ctx, scanned, run),
        run.rows,
        run.targetClass,
        advice(scanned),
        pastThreshold(ctx, scanned, run) + otherWay(ctx, scanned, run, groups),
      ),
      details: {
        kind: 'threshold',
        derived: scanned.derived,
        direction: run.direction,
        threshold: run.threshold,
        nextValue: run.nextValue,
        level: null,
        rows: run.rows,
        share: run.rows / ctx.table.nRows,
        targetClass: run.targetClass,
        adjacentRows: run.adjacent?.rows ?? null,
        adjacentShare: run.adjacent ? run.adjacent.sameClass / run.adjacent.rows : null,
        log10Chance,
      },
    });
  }
  return findings;
}

/** Rows grouped by a category (null = missing), with class counts. */
function levelGroups(values: ArrayLike<string | null>, target: Uint8Array): Map<string | null, [number, number]> {
  const levels = new Map<string | null, [number, number]>();
  for (let row = 0; row < values.length; row++) {
    const level = values[row] ?? null;
    let counts = levels.get(level);
    if (!counts) levels.set(level, (counts = [0, 0]));
    counts[target[row] !== 0 ? 1 : 0]++;
  }
  return levels;
}

function levelFinding(ctx: Context, column: string, level: string | null, counts: [number, number]): Finding | null {
  const [neg, pos] = counts;
  if (neg > 0 && pos > 0) return null;
  const cls: 0 | 1 = pos > 0 ? 1 : 0;
  const rows = neg + pos;
  if (rows >= ctx.table.nRows) return null;
  const log10Chance = sizableAndUnlikely(ctx, rows, cls);
  if (log10Chance === null) return null;
  const group = level === null ? `with no value in ${quote(column)}` : `with ${quote(column)} equal to "${level}"`;
  return {
    code: 'PURE_GROUP',
    severity: 'problem',
    column,
    message: pureGroupMessage(ctx, group, rows, cls, advice({ column, derived: null })),
    details: {
      kind: level === null ? 'missing' : 'level',
      derived: null,
      direction: null,
      threshold: null,
      nextValue: null,
      level,
      rows,
      share: rows / ctx.table.nRows,
      targetClass: cls,
      adjacentRows: null,
      adjacentShare: null,
      log10Chance,
    },
  };
}

function hasBothClasses(ctx: Context, groups: ValueGroups): boolean {
  let neg = 0;
  let pos = 0;
  for (let g = 0; g < groups.values.length; g++) {
    neg += groups.negatives[g]!;
    pos += groups.positives[g]!;
  }
  return neg >= ctx.options.minClassCount && pos >= ctx.options.minClassCount;
}

function separatorFinding(ctx: Context, scanned: Scanned, groups: ValueGroups, numeric: boolean): Finding | null {
  if (!hasBothClasses(ctx, groups)) return null;
  const auc = aucOf(groups);
  const strength = Math.max(auc, 1 - auc);
  if (!(strength >= ctx.options.separatorAuc)) return null;
  const { positive, negative } = ctx.options.labels;
  const cut = numeric ? bestCut(groups, auc >= 0.5 ? '>=' : '<=') : null;
  const name = scanned.derived === 'row-order' ? 'the row order' : quote(scanned.column);
  const higher = auc >= 0.5 ? 'higher' : 'lower';
  const rowsCompared = groups.rows.length;
  const how = numeric
    ? `a customer who ${positive} has a ${higher} value than one who ${negative} ${percent(strength)} of the time`
    : `its categories alone sort customers into those who ${positive} and those who ${negative} with ${percent(strength)} ranking accuracy`;
  const rule =
    cut && scanned.derived !== 'row-order'
      ? ` The single rule "${scanned.column} ${cut.direction === '>=' ? 'at least' : 'at most'} ${value(cut.threshold)} means ${positive}" gets ${count(cut.correct)} of ${count(rowsCompared)} customers right.`
    : '';
  const details: SeparatorDetails = { derived: scanned.derived, auc, rowsCompared, bestCut: cut };
  return {
    code: 'SEPARATOR',
    severity: severityOf(scanned),
    column: scanned.column,
    message:
      `${name[0]!.toUpperCase()}${name.slice(1)} alone tells apart those who ${positive} from those who ${negative} almost perfectly: ` +
      `${how} (ROC-AUC ${auc.toFixed(3)}).${rule} No ordinary customer attribute predicts this well. ${advice(scanned)}`,
    details,
  };
}

/** Scores a category by its class-1 rate (rare categories by the overall rate), for an AUC. */
function levelScores(values: ArrayLike<string | null>, ctx: Context): Float64Array {
  const levels = levelGroups(values, ctx.target);
  const rate = new Map<string | null, number>();
  for (const [level, [neg, pos]] of levels) {
    rate.set(level, neg + pos >= ctx.options.minLevelCount ? pos / (neg + pos) : ctx.balance.positiveShare);
  }
  return Float64Array.from({ length: values.length }, (_, row) => rate.get(values[row] ?? null)!);
}

function numericId(ids: readonly string[]): Float64Array | null {
  const out = new Float64Array(ids.length);
  for (let row = 0; row < ids.length; row++) {
    const id = ids[row]!;
    if (!/^\s*-?\d+(\.\d+)?\s*$/.test(id)) return null;
    out[row] = Number(id);
  }
  return out;
}

export function findLeakage(
  table: Table,
  target: Uint8Array,
  balance: ClassBalance,
  pairs: readonly { total: string; average: string }[],
  options: AuditOptions,
): Finding[] {
  const ctx: Context = { table, target, balance, options };
  const findings: Finding[] = [];
  const seen = new Set<string>();

  const scanNumeric = (scanned: Scanned, x: ArrayLike<number>): void => {
    const groups = groupByValue(x, target);
    findings.push(...runFindings(ctx, scanned, groups, seen));
    const separator = separatorFinding(ctx, scanned, groups, true);
    if (separator) findings.push(separator);
  };

  for (const feature of table.schema.features) {
    const numeric = table.numeric.get(feature.name);
    if (numeric) {
      scanNumeric({ column: feature.name, derived: null }, numeric);
      const missing = [0, 0] as [number, number];
      for (let row = 0; row < numeric.length; row++) if (Number.isNaN(numeric[row])) missing[target[row] !== 0 ? 1 : 0]++;
      const finding = levelFinding(ctx, feature.name, null, missing);
      if (finding) findings.push(finding);
      continue;
    }
    const categorical = table.categorical.get(feature.name);
    if (!categorical) continue;
    for (const [level, counts] of levelGroups(categorical, target)) {
      const finding = levelFinding(ctx, feature.name, level, counts);
      if (finding) findings.push(finding);
    }
    const separator = separatorFinding(ctx, { column: feature.name, derived: null }, groupByValue(levelScores(categorical, ctx), target), false);
    if (separator) findings.push(separator);
  }

  for (const { total, average } of pairs) {
    const ratio = pairRatio(table.numeric.get(total)!, table.numeric.get(average)!);
    scanNumeric({ column: `${total} / ${average}`, derived: 'ratio', of: [total, average] }, ratio);
  }
  const ids = table.schema.id !== null ? numericId(table.ids) : null;
  if (ids) scanNumeric({ column: table.schema.id!, derived: 'id' }, ids);
  scanNumeric({ column: '(row order)', derived: 'row-order' }, Float64Array.from({ length: table.nRows }, (_, i) => i));
  return findings;
}
