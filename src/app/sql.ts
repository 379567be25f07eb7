/** `rebuy sql`: a bundle's whole scoring pipeline as one SQL statement for an engine's dialect. */
import { loadBundle } from '../bundle/load.js';
import { DIALECT_NAMES, DIALECTS, isDialectName } from '../compile/dialect.js';
import { scoringPipelineOf, upliftPipelineOf } from '../compile/from-bundle.js';
import { compileUpliftSql } from '../compile/uplift-sql.js';
import type { RowSource } from '../compile/pipeline-sql.js';
import { compileScoringSql } from '../compile/ensemble-sql.js';
import { usageError } from '../errors.js';
import type { UpliftMoney } from '../evaluate/uplift-decide.js';

/** The table read when neither a table nor a query is named. */
export const DEFAULT_SOURCE_TABLE = 'customers';

export interface SqlOptions {
  /** Model bundle directory. */
  model: string;
  dialect: string;
  table?: string;
  query?: string;
  /** The id column; default: the bundle schema's. */
  id?: string;
  /** Add rank and order by it (default true; response models only). */
  rank?: boolean;
  /** Uplift bundles: with both, the statement says which treatment to send and its expected incremental profit. */
  contactCost?: number;
  valuePerReturn?: number;
}

export async function compileBundleSql(options: SqlOptions): Promise<string> {
  if (!isDialectName(options.dialect)) throw usageError(`--dialect: expected one of ${DIALECT_NAMES.join(', ')}, got ${JSON.stringify(options.dialect)}`);
  if (options.table !== undefined && options.query !== undefined) throw usageError('give --table or --query, not both');
  if (options.query !== undefined && options.query.trim() === '') throw usageError('--query is empty');
  if (options.table !== undefined && options.table.trim() === '') throw usageError('--table is empty');
  const source: RowSource = options.query !== undefined ? { query: options.query } : { table: options.table ?? DEFAULT_SOURCE_TABLE };
  const bundle = await loadBundle(options.model);
  const money = moneyOf(options);
  if (bundle.manifest.uplift) return compileUpliftSql(await upliftPipelineOf(bundle, { idColumn: options.id }), DIALECTS[options.dialect], source, { money });
  if (money !== undefined) throw usageError('--contact-cost and --value-per-return go with an uplift bundle (trained with --treatment)');
  const pipeline = await scoringPipelineOf(bundle, { idColumn: options.id });
  return compileScoringSql(pipeline, DIALECTS[options.dialect], source, { rank: options.rank ?? true });
}

/** The money settings of an uplift decision: both or neither. */
export function moneyOf(options: { contactCost?: number; valuePerReturn?: number }): UpliftMoney | undefined {
  if ((options.contactCost === undefined) !== (options.valuePerReturn === undefined)) throw usageError('give both --contact-cost and --value-per-return, or neither');
  return options.contactCost === undefined ? undefined : { contactCost: options.contactCost, valuePerReturn: options.valuePerReturn! };
}
