/** Tables the Spark tests score, written by DuckDB from the real data, and the Predictor's answers. */
import { join } from 'node:path';
import { quoteIdent, quoteText } from '../../src/compile/dialect.js';
import { readTable } from '../../src/data/read.js';
import { AUDIOBOOKS_COLUMNS, AUDIOBOOKS_HEADER } from '../../src/domain/audiobooks.js';
import { openDuckDb } from '../../src/engines/duckdb.js';
import { loadPredictor } from '../../src/predict/predictor.js';
import { REAL_CSV, SHARED_DATA } from '../helpers/paths.js';

export const HILLSTROM_CSV = join(SHARED_DATA, 'hillstrom.csv');

export async function duckdb(statements: string[]): Promise<void> {
  const db = await openDuckDb();
  try {
    for (const sql of statements) await db.connection.run(sql);
  } finally {
    db.close();
  }
}

/** The Audiobooks file with its canonical column names, as Parquet (what a warehouse table would hold). */
export async function audiobooksParquet(dir: string): Promise<string> {
  const out = join(dir, 'audiobooks.parquet');
  // DuckDB's CSV reader trims the trailing space of the published header.
  const renamed = AUDIOBOOKS_HEADER.map((header, k) => `${quoteIdent(header.trim())} AS ${quoteIdent(AUDIOBOOKS_COLUMNS[k]!)}`);
  await duckdb([`COPY (SELECT ${renamed.join(', ')} FROM read_csv(${quoteText(REAL_CSV)}, header = true)) TO ${quoteText(out)} (FORMAT parquet)`]);
  return out;
}

/**
 * Hillstrom's e-mail experiment with an id and holes punched in it (every 7th recency, 11th channel,
 * 13th history missing), predicting `visit` from the customer's columns: numeric, categorical and
 * missing values together. The same rows as CSV (training, the Predictor) and Parquet (Spark).
 */
export async function hillstromTables(dir: string): Promise<{ csv: string; parquet: string }> {
  const csv = join(dir, 'hillstrom.csv');
  const parquet = join(dir, 'hillstrom.parquet');
  const query = `SELECT 'h' || n AS id,
      CASE WHEN n % 7 = 0 THEN NULL ELSE recency END AS recency,
      history_segment,
      CASE WHEN n % 13 = 0 THEN NULL ELSE history END AS history,
      mens, womens, zip_code, newbie,
      CASE WHEN n % 11 = 0 THEN NULL ELSE channel END AS channel,
      segment, visit
    FROM (SELECT *, row_number() OVER () AS n FROM read_csv(${quoteText(HILLSTROM_CSV)}, header = true))
    ORDER BY n`;
  await duckdb([
    `CREATE TABLE hillstrom AS ${query}`,
    `COPY hillstrom TO ${quoteText(csv)} (HEADER, DELIMITER ',')`,
    `COPY hillstrom TO ${quoteText(parquet)} (FORMAT parquet)`,
  ]);
  return { csv, parquet };
}

/** What the Predictor (onnxruntime on the bundle's model.onnx) gives each row of `file`, by id. */
export async function predictorScores(model: string, file: string): Promise<{ byId: Map<string, number>; threshold: number }> {
  const predictor = await loadPredictor(model);
  try {
    const table = await readTable(file, file === REAL_CSV ? {} : { schema: predictor.manifest.schema });
    const probabilities = await predictor.predictColumns(table);
    return { byId: new Map(table.ids.map((id, i) => [id, probabilities[i]!])), threshold: predictor.threshold };
  } finally {
    await predictor.close();
  }
}

export interface Compared {
  rows: number;
  /** Distinct ids among the rows. */
  distinct: number;
  worst: number;
  /** Rows whose label differs, beyond those within `tolerance` of the threshold. */
  labelsDiffer: number;
  /** Expected ids the engine did not return. */
  missing: number;
  /** The spread of the expected probabilities: a constant model would prove nothing. */
  spread: number;
}

/** Every expected id against the engine's rows: the largest difference, labels, ids missing or repeated. */
export function compareScores(
  expected: { byId: Map<string, number>; threshold: number },
  got: { id: (string | number)[]; probability: number[]; label?: number[] },
  tolerance: number,
): Compared {
  const seen = new Map<string, number>();
  got.id.forEach((id, i) => seen.set(String(id), i));
  let worst = 0;
  let labelsDiffer = 0;
  let missing = 0;
  for (const [id, p] of expected.byId) {
    const at = seen.get(id);
    if (at === undefined) {
      missing++;
      continue;
    }
    worst = Math.max(worst, Math.abs(got.probability[at]! - p));
    const label = p >= expected.threshold ? 1 : 0;
    if (got.label !== undefined && got.label[at] !== label && Math.abs(p - expected.threshold) > tolerance) labelsDiffer++;
  }
  let [low, high] = [Infinity, -Infinity];
  for (const p of expected.byId.values()) [low, high] = [Math.min(low, p), Math.max(high, p)];
  return { rows: got.id.length, distinct: seen.size, worst, labelsDiffer, missing, spread: high - low };
}

export interface ScoreColumns {
  id: string[];
  probability: number[];
  label: number[];
  rank: number[];
  model_version: string[];
}

/** The Parquet parts Spark wrote into `dir`, read by DuckDB. */
export async function readScoresDirectory(dir: string): Promise<ScoreColumns> {
  const db = await openDuckDb();
  try {
    const reader = await db.connection.runAndReadAll(`SELECT id, probability, label, "rank", model_version FROM read_parquet(${quoteText(join(dir, '*.parquet'))})`);
    const rows = reader.getRowObjectsJS();
    return {
      id: rows.map((r) => String(r.id)),
      probability: rows.map((r) => Number(r.probability)),
      label: rows.map((r) => Number(r.label)),
      rank: rows.map((r) => Number(r.rank)),
      model_version: rows.map((r) => String(r.model_version)),
    };
  } finally {
    db.close();
  }
}
