/**
 * A randomized test as a table: the treatment column says who got which contact (or none). It is
 * taken out of the features, checked, and turned into arms: 0 = control, 1… = each treatment.
 */
import type { Table } from '../core/table.js';
import { inputError, usageError } from '../errors.js';

export interface ExperimentOptions {
  treatment: string;
  /** The control group's value; found by name when omitted (0, false, no, none, control, "No …"). */
  control?: string;
  /** Columns that are not features (other outcomes of the same test, say). */
  ignore?: readonly string[];
}

export interface Experiment {
  /** The table without the treatment (and ignored) columns among its features. */
  table: Table;
  treatmentColumn: string;
  control: string;
  /** Treatment values, sorted. */
  treatments: string[];
  /** 0 = control, t = treatments[t − 1]. */
  arm: Uint8Array;
}

const CONTROL_NAMES = /^(0|false|no|none|control|untreated|no[ _-].*)$/i;

/** The treatment column's values as text, refusing a missing one with its line. */
function treatmentValues(table: Table, column: string): string[] {
  const numeric = table.numeric.get(column);
  const categorical = table.categorical.get(column);
  if (!numeric && !categorical) {
    if (column === table.schema.target) throw usageError(`--treatment ${JSON.stringify(column)} is the target column: the treatment must be its own column`);
    if (column === table.schema.id) throw usageError(`--treatment ${JSON.stringify(column)} is the customer-ID column`);
    throw inputError('no such treatment column', { file: table.source, column });
  }
  const values = new Array<string>(table.nRows);
  for (let i = 0; i < table.nRows; i++) {
    const v = numeric ? numeric[i]! : categorical![i];
    if (v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v))) {
      throw inputError('the treatment is missing: every customer of the test must say which group it was in', {
        file: table.source,
        line: table.firstDataLine + i,
        column,
      });
    }
    values[i] = String(v);
  }
  return values;
}

function findControl(groups: readonly string[], options: ExperimentOptions, source: string): string {
  if (options.control !== undefined) {
    if (!groups.includes(options.control)) {
      throw inputError(`the control value is not in the treatment column, whose values are ${groups.map((g) => JSON.stringify(g)).join(', ')}`, {
        file: source,
        column: options.treatment,
        value: options.control,
      });
    }
    return options.control;
  }
  const named = groups.filter((g) => CONTROL_NAMES.test(g.trim()));
  if (named.length !== 1) {
    throw inputError(
      `no control value found among ${groups.map((g) => JSON.stringify(g)).join(', ')}: say which group was not contacted with --control VALUE`,
      { file: source, column: options.treatment },
    );
  }
  return named[0]!;
}

/** A feature that copies the assignment would let a model see who was contacted. */
function refuseCopies(table: Table, column: string, arm: Uint8Array, groups: number): void {
  for (const feature of table.schema.features) {
    if (feature.name === column) continue;
    const values: ArrayLike<unknown> = table.numeric.get(feature.name) ?? table.categorical.get(feature.name) ?? [];
    const seen = new Map<string, number>();
    let copies = values.length === arm.length;
    for (let i = 0; copies && i < arm.length; i++) {
      const key = String(values[i]);
      const known = seen.get(key);
      if (known === undefined) seen.set(key, arm[i]!);
      else if (known !== arm[i]) copies = false;
    }
    // Each value in one group, and no more values than groups: the column names the group.
    if (copies && seen.size > 1 && seen.size <= groups) {
      throw inputError(`this feature repeats the treatment column ${JSON.stringify(column)}: leave it out (--ignore) so the model does not learn who was contacted`, {
        file: table.source,
        column: feature.name,
      });
    }
  }
}

export function readExperiment(table: Table, options: ExperimentOptions): Experiment {
  const column = options.treatment;
  const values = treatmentValues(table, column);
  const groups = [...new Set(values)].sort();
  if (groups.length < 2) {
    throw inputError(`the treatment column has one group only (${JSON.stringify(groups[0])}): uplift needs contacted and control customers`, {
      file: table.source,
      column,
    });
  }
  const control = findControl(groups, options, table.source);
  const treatments = groups.filter((g) => g !== control);
  if (treatments.length > 254) throw inputError(`the treatment column has ${groups.length} groups: is it really the treatment?`, { file: table.source, column });
  const armOf = new Map([[control, 0], ...treatments.map((t, k) => [t, k + 1] as const)]);
  const arm = Uint8Array.from(values, (v) => armOf.get(v)!);
  const ignore = new Set(options.ignore ?? []);
  for (const name of ignore) {
    if (!table.schema.features.some((f) => f.name === name)) throw inputError('--ignore names a column that is not a feature of the table', { file: table.source, column: name });
  }
  const features = table.schema.features.filter((f) => f.name !== column && !ignore.has(f.name));
  const kept = new Set(features.map((f) => f.name));
  const stripped: Table = {
    ...table,
    schema: { ...table.schema, features },
    numeric: new Map([...table.numeric].filter(([name]) => kept.has(name))),
    categorical: new Map([...table.categorical].filter(([name]) => kept.has(name))),
  };
  refuseCopies(stripped, column, arm, groups.length);
  return { table: stripped, treatmentColumn: column, control, treatments, arm };
}

/** The rows of a table whose treatment value is one of `groups` (e.g. one treatment and control), in file order. */
export function keepGroups(table: Table, column: string, groups: readonly string[]): Table {
  const values = treatmentValues(table, column);
  const wanted = new Set(groups);
  const rows = values.flatMap((v, i) => (wanted.has(v) ? [i] : []));
  return {
    ...table,
    nRows: rows.length,
    ids: rows.map((r) => table.ids[r]!),
    target: table.target ? Uint8Array.from(rows, (r) => table.target![r]!) : null,
    numeric: new Map([...table.numeric].map(([name, v]) => [name, Float64Array.from(rows, (r) => v[r]!)])),
    categorical: new Map([...table.categorical].map(([name, v]) => [name, rows.map((r) => v[r] ?? null)])),
  };
}
