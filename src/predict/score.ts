import { tmpdir } from 'node:os';
import { extname } from 'node:path';
import { DuckDBDataChunk, DuckDBInstance, FLOAT, INTEGER, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { streamTable } from '../data/read.js';
import { withAtomicPath } from '../data/write.js';
import type { Predictor, ScoreSummary } from './types.js';

/** Rows per ONNX call when scoring a file. */
export const SCORE_BATCH_ROWS = 65_536;
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

async function appendScores(
  connection: DuckDBConnection,
  ids: readonly string[],
  probabilities: Float32Array,
  reasons: readonly (readonly string[])[],
  firstSeq: number,
): Promise<void> {
  const appender = await connection.createAppender('scores');
  try {
    for (let from = 0; from < ids.length; from += DUCKDB_CHUNK_ROWS) {
      const to = Math.min(ids.length, from + DUCKDB_CHUNK_ROWS);
      const chunk = DuckDBDataChunk.create([INTEGER, VARCHAR, FLOAT, ...reasons.map(() => VARCHAR)], to - from);
      chunk.setColumnValues(0, Array.from({ length: to - from }, (_, i) => firstSeq + from + i));
      chunk.setColumnValues(1, ids.slice(from, to));
      chunk.setColumnValues(2, Array.from(probabilities.subarray(from, to)));
      reasons.forEach((column, i) => chunk.setColumnValues(3 + i, column.slice(from, to)));
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
    memory_limit: options.memoryLimit ?? '256MB',
    temp_directory: tmpdir(),
  });
  const connection = await instance.connect();
  try {
    const reasonNames = reasonColumns(options.reasons ?? 0);
    await connection.run(
      `CREATE TEMP TABLE scores (seq INTEGER, id VARCHAR, probability FLOAT${reasonNames.map((r) => `, ${r} VARCHAR`).join('')})`,
    );
    let rows = 0;
    for await (const chunk of streamTable(input, predictor.manifest.schema, { chunkRows: SCORE_BATCH_ROWS })) {
      const probabilities = await predictor.predictColumns(chunk);
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
