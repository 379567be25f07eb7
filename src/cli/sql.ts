import { compileBundleSql } from '../app/sql.js';
import { resolveModelOption } from './options.js';

export interface SqlFlags {
  model: string;
  store?: string;
  dialect: string;
  table?: string;
  query?: string;
  id?: string;
  rank: boolean;
  contactCost?: number;
  valuePerReturn?: number;
}

/** Prints the statement on stdout, nothing else, so that it can be piped into an engine's client. */
export async function runSql(flags: SqlFlags): Promise<void> {
  const { dir } = await resolveModelOption(flags.model, flags.store);
  process.stdout.write(await compileBundleSql({ ...flags, model: dir }));
}
