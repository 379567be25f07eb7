/**
 * An audit of a randomized test before uplift is read causally: are the groups the sizes the plan
 * said (a chi-squared test of the counts), and do contacted and control customers look alike on every
 * feature (standardized mean differences; categorical columns one level at a time)?
 *
 * |SMD| above 0.1 is the usual mark of imbalance (Austin 2009, "Balance diagnostics for comparing the
 * distribution of baseline covariates between treatment groups in propensity-score matched samples").
 */
import type { Table } from '../core/table.js';
import { logGamma } from '../core/special.js';
import { MISSING_CATEGORY } from '../core/schema.js';

export const SMD_WARNING = 0.1;
/** A split this unlikely under the plan is not what the plan made. */
export const SPLIT_P_WARNING = 0.001;

export interface GroupSize {
  group: string;
  customers: number;
  share: number;
  plannedShare: number;
}

export interface FeatureBalance {
  /** Column, or column=level for a categorical level (missing shown as "(missing)"). */
  feature: string;
  treatment: string;
  treatedMean: number;
  controlMean: number;
  smd: number;
}

export interface ExperimentAudit {
  treatmentColumn: string;
  control: string;
  groups: GroupSize[];
  /** Chi-squared test of the group counts against the planned (or equal) shares. */
  split: { chiSquared: number; degreesOfFreedom: number; pValue: number; planned: boolean };
  /** Every feature and treatment, largest |SMD| first. */
  balance: FeatureBalance[];
  warnings: string[];
}

/** P(χ²_k > x): the regularized upper incomplete gamma Q(k/2, x/2). */
export function chiSquaredSurvival(x: number, k: number): number {
  if (!(x > 0)) return 1;
  const a = k / 2;
  const z = x / 2;
  const front = Math.exp(-z + a * Math.log(z) - logGamma(a));
  if (z < a + 1) {
    // Series for the lower function P, then Q = 1 − P.
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 500 && Math.abs(term) > Math.abs(sum) * 1e-15; n++) {
      term *= z / (a + n);
      sum += term;
    }
    return Math.max(0, 1 - front * sum);
  }
  // Continued fraction for Q (Lentz).
  const tiny = 1e-300;
  let b = z + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return front * h;
}

function meanAndVariance(values: ArrayLike<number>, rows: readonly number[]): { mean: number; variance: number } {
  let n = 0;
  let sum = 0;
  let squares = 0;
  for (const r of rows) {
    const v = values[r]!;
    if (Number.isNaN(v)) continue;
    n++;
    sum += v;
    squares += v * v;
  }
  const mean = n > 0 ? sum / n : Number.NaN;
  return { mean, variance: n > 1 ? (squares - n * mean * mean) / (n - 1) : 0 };
}

function smd(a: { mean: number; variance: number }, b: { mean: number; variance: number }): number {
  const pooled = Math.sqrt((a.variance + b.variance) / 2);
  const diff = a.mean - b.mean;
  if (pooled === 0) return diff === 0 ? 0 : Math.sign(diff) * Infinity;
  return diff / pooled;
}

/**
 * `table` holds the features (not the treatment column); `arm` is 0 for control and t for groups[t].
 * `planned` gives each group's planned share (same order as groups); equal shares when omitted.
 */
export function auditExperiment(
  table: Table,
  treatmentColumn: string,
  groups: readonly string[],
  arm: Uint8Array,
  planned?: readonly number[],
): ExperimentAudit {
  const rowsOf = groups.map(() => [] as number[]);
  for (let i = 0; i < arm.length; i++) rowsOf[arm[i]!]!.push(i);
  const n = arm.length;
  const plannedTotal = planned ? planned.reduce((a, b) => a + b, 0) : groups.length;
  const sizes = groups.map((group, k) => ({
    group,
    customers: rowsOf[k]!.length,
    share: rowsOf[k]!.length / n,
    plannedShare: (planned ? planned[k]! : 1) / plannedTotal,
  }));
  const chiSquared = sizes.reduce((sum, s) => sum + (s.customers - n * s.plannedShare) ** 2 / (n * s.plannedShare), 0);
  const split = { chiSquared, degreesOfFreedom: groups.length - 1, pValue: chiSquaredSurvival(chiSquared, groups.length - 1), planned: planned !== undefined };

  const balance: FeatureBalance[] = [];
  const control = rowsOf[0]!;
  for (const [t, treated] of rowsOf.entries()) {
    if (t === 0) continue;
    for (const { name, kind } of table.schema.features) {
      if (kind === 'numeric') {
        const values = table.numeric.get(name)!;
        const a = meanAndVariance(values, treated);
        const b = meanAndVariance(values, control);
        balance.push({ feature: name, treatment: groups[t]!, treatedMean: a.mean, controlMean: b.mean, smd: smd(a, b) });
      } else {
        const values = table.categorical.get(name)!;
        const levelOf = (r: number) => {
          const v = values[r];
          return v === null || v === undefined || v === MISSING_CATEGORY ? '(missing)' : v;
        };
        const levels = [...new Set(Array.from({ length: n }, (_, r) => levelOf(r)))].sort();
        for (const level of levels) {
          const share = (rows: number[]) => {
            const p = rows.length > 0 ? rows.filter((r) => levelOf(r) === level).length / rows.length : Number.NaN;
            return { mean: p, variance: p * (1 - p) };
          };
          const a = share(treated);
          const b = share(control);
          balance.push({ feature: `${name}=${level}`, treatment: groups[t]!, treatedMean: a.mean, controlMean: b.mean, smd: smd(a, b) });
        }
      }
    }
  }
  balance.sort((x, y) => Math.abs(y.smd) - Math.abs(x.smd) || x.feature.localeCompare(y.feature));

  const warnings: string[] = [];
  if (split.pValue < SPLIT_P_WARNING) {
    warnings.push(
      `The group sizes are not what ${planned ? 'the plan' : 'an equal split'} would give (chi-squared ${chiSquared.toFixed(1)}, p = ${split.pValue.toExponential(1)}): customers may not have been assigned at random, and then uplift cannot be read as the contact's effect.`,
    );
  }
  const unbalanced = balance.filter((b) => Math.abs(b.smd) > SMD_WARNING);
  if (unbalanced.length > 0) {
    const shown = unbalanced.slice(0, 5).map((b) => `${b.feature} (${b.treatment}: ${b.smd.toFixed(2)})`).join(', ');
    warnings.push(
      `Contacted and control customers differ on ${unbalanced.length} feature${unbalanced.length > 1 ? 's' : ''} by more than ${SMD_WARNING} standard deviations: ${shown}. Assignment does not look random: uplift measured on this test may mix the contact's effect with who was picked.`,
    );
  }
  return { treatmentColumn, control: groups[0]!, groups: sizes, split, balance, warnings };
}

export function renderExperimentAudit(audit: ExperimentAudit): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const lines = [
    `Experiment audit of ${JSON.stringify(audit.treatmentColumn)} (control: ${JSON.stringify(audit.control)})`,
    '',
    'groups:',
    ...audit.groups.map((g) => `  ${g.group.padEnd(24)} ${String(g.customers).padStart(8)}  ${pct(g.share).padStart(7)}  (planned ${pct(g.plannedShare)})`),
    `  chi-squared against ${audit.split.planned ? 'the planned' : 'an equal'} split: ${audit.split.chiSquared.toFixed(2)} on ${audit.split.degreesOfFreedom} df, p = ${audit.split.pValue.toPrecision(3)}`,
    '',
    `balance, contacted vs control (standardized mean difference; |SMD| > ${SMD_WARNING} is imbalance), largest first:`,
    ...audit.balance.slice(0, 15).map((b) => `  ${b.feature.padEnd(32)} ${b.treatment.padEnd(20)} ${b.smd >= 0 ? '+' : '−'}${Math.abs(b.smd).toFixed(3)}  (${b.treatedMean.toPrecision(4)} vs ${b.controlMean.toPrecision(4)})`),
    ...(audit.balance.length > 15 ? [`  … ${audit.balance.length - 15} more in --json`] : []),
    '',
    ...(audit.warnings.length > 0 ? audit.warnings.map((w) => `warning: ${w}`) : ['no sign that assignment was not random: group sizes fit the plan and every feature is balanced.']),
    '',
  ];
  return lines.join('\n');
}
