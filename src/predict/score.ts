import { tmpdir } from 'node:os';
import { extname } from 'node:path';
import { DuckDBDataChunk, DuckDBInstance, FLOAT, INTEGER, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { streamTable } from '../data/read.js';
import { withAtomicPath } from '../data/write.js';
import type { Predictor, ScoreSummary } from './types.js';

/** Rows per ONNX call when scoring a file. */
export const SCORE_BATCH_ROWS = 32768;
/** DuckDB's vector size: the most rows one appended chunk may hold. */
const DUCKDB_CHUNK_ROWS = 2048;

export interface ScoreFileOptions {
  /** Add the top N reasons per customer, in words (columns reason_1 … reason_N). */
  reasons?: number;
  /** Called after each batch with the rows scored so far. */
  onProgress?: (rowsScored: number) => void;
  /** DuckDB's memory limit while ranking; beyond it DuckDB spills to a temp directory. */
  memoryLimit?: string;
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function outputFormat(path: string): 'parquet' | 'csv' {
  const ext = extname(path).toLowerCase();
  return ext === '.parquet' || ext === '.pq' ? 'parquet' : 'csv';
}

function reasonColumns(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `reason_${i + 1}`);
}

/** Fills a DuckDB vector in place (typed arrays in one copy, strings item by item) and flushes it. */
function fillVector(chunk: DuckDBDataChunk, column: number, values: ArrayLike<number | string>, from: number, to: number): void {
  const vector = chunk.getColumnVector(column);
  const items = (vector as unknown as { items?: unknown }).items;
  if (items instanceof Float32Array && values instanceof Float32Array) items.set(values.subarray(from, to));
  else if (items instanceof Int32Array && values instanceof Int32Array) items.set(values.subarray(from, to));
  else for (let i = from; i < to; i++) vector.setItem(i - from, values[i]!);
  vector.flush();
}

async function appendScores(
  connection: DuckDBConnection,
  ids: readonly string[],
  probabilities: Float32Array,
  reasons: readonly (readonly string[])[],
  firstSeq: number,
): Promise<void> {
  const appender = await connection.createAppender('scores');
  const seq = Int32Array.from({ length: ids.length }, (_, i) => firstSeq + i);
  try {
    for (let from = 0; from < ids.length; from += DUCKDB_CHUNK_ROWS) {
      const to = Math.min(ids.length, from + DUCKDB_CHUNK_ROWS);
      const chunk = DuckDBDataChunk.create([INTEGER, VARCHAR, FLOAT, ...reasons.map(() => VARCHAR)], to - from);
      fillVector(chunk, 0, seq, from, to);
      fillVector(chunk, 1, ids, from, to);
      fillVector(chunk, 2, probabilities, from, to);
      reasons.forEach((column, i) => fillVector(chunk, 3 + i, column, from, to));
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/**
 * Scores a customer file through the Predictor, in bounded memory: rows stream in, probabilities go
 * into DuckDB (which spills to disk past its memory limit), and DuckDB ranks them and writes the
 * output — id, probability, label, rank (1 = most likely to buy again), best first — atomically.
 */
export async function scoreFile(
  predictor: Predictor,
  input: string,
  output: string,
  options: ScoreFileOptions = {},
): Promise<ScoreSummary> {
  const started = performance.now();
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: options.memoryLimit ?? '64MB',
    temp_directory: tmpdir(),
  });
  const connection = await instance.connect();
  try {
    const reasonNames = reasonColumns(options.reasons ?? 0);
    await connection.run(
      `CREATE TEMP TABLE scores (seq INTEGER, id VARCHAR, probability FLOAT${reasonNames.map((r) => `, ${r} VARCHAR`).join('')})`,
    );
    let rows = 0;
    const chunks = streamTable(input, predictor.manifest.schema, { chunkRows: SCORE_BATCH_ROWS })[Symbol.asyncIterator]();
    let next = chunks.next();
    for (let read = await next; !read.done; read = await next) {
      const chunk = read.value;
      const scoring = predictor.predictColumns(chunk);
      // Read the next chunk while onnxruntime scores this one (on its own threads).
      next = chunks.next();
      next.catch(() => {});
      const probabilities = await scoring;
      const reasons: string[][] = reasonNames.map(() => []);
      if (reasonNames.length > 0) {
        const explained = await predictor.explainColumns(chunk, reasonNames.length);
        explained.forEach((e, row) => reasonNames.forEach((_, i) => (reasons[i]![row] = e.reasons[i]?.text ?? '')));
      }
      await appendScores(connection, chunk.ids, probabilities, reasons, rows);
      rows += chunk.nRows;
      options.onProgress?.(rows);
    }
    const format = outputFormat(output);
    await withAtomicPath(output, async (tmpPath: string) => {
      await connection.run(
        `COPY (
           SELECT id, probability, (probability >= ${predictor.threshold})::INTEGER AS label,
                  row_number() OVER (ORDER BY probability DESC, seq) AS rank${reasonNames.map((r) => `, ${r}`).join('')}
           FROM scores ORDER BY rank
         ) TO ${sqlString(tmpPath)} (FORMAT ${format}${format === 'csv' ? ', HEADER true' : ''})`,
      );
    });
    return { rows, seconds: (performance.now() - started) / 1000, output };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
