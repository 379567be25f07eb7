import {
  DuckDBDataChunk,
  DuckDBInstance,
  spreadsheetSafeSql,
  sqlString,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBVector,
} from '../data/duckdb.js';
import { writeNativeIds } from '../data/native-ids.js';
import { streamTable, type BadRow, type CsvDialect, type TableChunk } from '../data/read.js';
import { outputFormat, withAtomicPath } from '../data/write.js';
import { createSpillDirectory, STDOUT, writeToStdout } from '../data/fs.js';
import { internalError } from '../errors.js';
import type { FeatureColumn } from '../core/schema.js';
import type { FeatureColumns } from '../core/table.js';
import type { DuplicateIds, Predictor, ScoreSummary } from './types.js';
import { SCORING_DEFAULTS } from '../config.js';

/** DuckDB's vector size: the most rows one appended chunk may hold. */
const DUCKDB_CHUNK_ROWS = 2048;

/** The top reasons' texts per row (exactly `top` each, '' where there are fewer). */
export type ReasonTexts = (columns: FeatureColumns, top: number) => Promise<string[][]>;

export interface ScoreOptions {
  /** Add the top N reasons per customer, in words (columns reason_1 … reason_N), made by `explain`. */
  reasons?: number;
  explain?: ReasonTexts;
  /** Keep every row's feature columns beside its score, so that `bestFeatures` can hand them out. */
  keepFeatures?: boolean;
  /** Called after each batch with the rows scored so far. */
  onProgress?: (rowsScored: number) => void;
  /**
   * DuckDB's memory limit for the scores, beyond which it spills to a temp directory (default:
   * SCORING_DEFAULTS, one limit each while reading and scoring, checking for repeated IDs, and ranking).
   */
  memoryLimit?: string;
  /** Where that temp directory goes (default: the system's). */
  tempDir?: string;
  /** Rows per pass of the check for repeated IDs (default SCORING_DEFAULTS.duplicateCheckRows). */
  duplicateCheckRows?: number;
  /** Rows per model call (default SCORING_DEFAULTS.batchRows). */
  batchRows?: number;
  /** The input's CSV field separator and decimal mark (default: `,` and `.`, or as the file shows). */
  dialect?: CsvDialect;
  /** Leave out rows the model cannot take, handing each to `onBadRows` (see streamTable). */
  skipBadRows?: boolean;
  onBadRows?: (rows: BadRow[]) => void;
}

/** One scored row as the output lists it. */
export interface ScoredRow {
  id: string;
  /** The value the written file shows (DuckDB's shortest text of the 32-bit score); NaN if not finite. */
  probability: number;
  label: 0 | 1;
  /** 1 = the most likely to buy again; equal probabilities rank in file order. */
  rank: number;
}

/**
 * A scored customer file held in DuckDB (which spills to disk past its memory limit). The caller
 * decides the output: a file, rows, or the best rows' features. Close it when done.
 */
export interface ScoredRows {
  readonly rows: number;
  /** Seconds spent reading and scoring the file. */
  readonly seconds: number;
  /** IDs on more than one row; when there are any, `write` adds a `duplicate_id` column (1 on their rows). */
  duplicateIds(): Promise<DuplicateIds>;
  /**
   * Writes id, probability, label, rank (and the reasons asked for), best first, atomically: Parquet
   * for .parquet/.pq, else CSV; `-` streams CSV to standard output.
   */
  write(path: string): Promise<void>;
  /** Every row, best first, one batch at a time. */
  ranked(): AsyncGenerator<ScoredRow[]>;
  /** The feature columns of the `n` best-ranked rows, best first (scored with `keepFeatures`). */
  bestFeatures(n: number): Promise<FeatureColumns>;
  /** Frees DuckDB's memory and temporary files; safe to call twice. */
  close(): void;
}

/** A CSV cell as DuckDB's CSV writer makes it: quoted when it holds a comma, a quote or a line break, or is empty text. */
function duckCsvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return text === '' || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function reasonColumns(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `reason_${i + 1}`);
}

/** A kept feature: its schema column and its SQL column (positional, so any header name is safe). */
interface KeptFeature extends FeatureColumn {
  sql: string;
}

function keptFeatures(predictor: Predictor, keep: boolean): KeptFeature[] {
  return keep ? predictor.manifest.schema.features.map((f, i) => ({ ...f, sql: `feature_${i}` })) : [];
}

/** Fills a DuckDB vector in place (a typed array in one copy, other values item by item) and flushes it. */
function fillVector(chunk: DuckDBDataChunk, column: number, values: ArrayLike<number | string | null>, from: number, to: number): void {
  const vector = chunk.getColumnVector(column) as DuckDBVector<number | string>;
  const items = (vector as unknown as { items?: unknown }).items;
  if (ArrayBuffer.isView(items) && ArrayBuffer.isView(values) && items.constructor === values.constructor) {
    (items as Float32Array | Float64Array).set((values as Float32Array | Float64Array).subarray(from, to));
  } else {
    for (let i = from; i < to; i++) vector.setItem(i - from, values[i] ?? null);
  }
  vector.flush();
}

/**
 * One data chunk, refilled for every append: a chunk's memory lives outside V8's heap and is freed only
 * when the garbage collector finalizes its object, so a new chunk per append would pile up with the rows.
 */
interface AppendTarget {
  appender: DuckDBAppender;
  chunk: DuckDBDataChunk;
}

function appendTarget(appender: DuckDBAppender): AppendTarget {
  const types = Array.from({ length: appender.columnCount }, (_, i) => appender.columnType(i));
  return { appender, chunk: DuckDBDataChunk.create(types) };
}

/** Appends rows (id, probability, reasons…, features…) to the scores table; the appender copies them. */
function appendScores(
  { appender, chunk }: AppendTarget,
  rows: TableChunk,
  probabilities: Float32Array,
  reasons: readonly (readonly string[])[],
  features: readonly KeptFeature[],
): void {
  const featureValues = features.map((f) => {
    const values = f.kind === 'numeric' ? rows.numeric.get(f.name) : rows.categorical.get(f.name);
    if (values === undefined) throw internalError(`scoring read no column ${f.name}`);
    return values;
  });
  for (let from = 0; from < rows.nRows; from += DUCKDB_CHUNK_ROWS) {
    const to = Math.min(rows.nRows, from + DUCKDB_CHUNK_ROWS);
    chunk.reset();
    chunk.rowCount = to - from;
    if (rows.nativeIds) writeNativeIds(chunk, 0, rows.nativeIds, from, to);
    else fillVector(chunk, 0, rows.ids, from, to);
    fillVector(chunk, 1, probabilities, from, to);
    reasons.forEach((column, i) => fillVector(chunk, 2 + i, column, from, to));
    featureValues.forEach((column, i) => fillVector(chunk, 2 + reasons.length + i, column, from, to));
    appender.appendDataChunk(chunk);
  }
}

/**
 * Scores a customer file through the Predictor into DuckDB, in bounded memory: rows stream in, and
 * their probabilities (with reasons or features when asked) go into a table DuckDB spills to disk
 * past its memory limit.
 */
export async function scoreRows(predictor: Predictor, input: string, options: ScoreOptions = {}): Promise<ScoredRows> {
  const started = performance.now();
  const spill = await createSpillDirectory(options.tempDir);
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: options.memoryLimit ?? SCORING_DEFAULTS.appendMemoryLimit,
    temp_directory: spill.path,
    // Each thread sorts with memory of its own, beyond the limit: one keeps ranking near the bound.
    threads: '1',
  }).catch((err: unknown) => {
    spill.remove();
    throw err;
  });
  let connection: DuckDBConnection | null = null;
  let open = true;
  const close = (): void => {
    if (!open) return;
    open = false;
    try {
      connection?.closeSync();
      instance.closeSync();
    } finally {
      spill.remove();
    }
  };
  try {
    connection = await instance.connect();
    const reasonNames = reasonColumns(options.reasons ?? 0);
    const features = keptFeatures(predictor, options.keepFeatures ?? false);
    const columns = [
      'id VARCHAR',
      'probability FLOAT',
      ...reasonNames.map((r) => `${r} VARCHAR`),
      ...features.map((f) => `${f.sql} ${f.kind === 'numeric' ? 'DOUBLE' : 'VARCHAR'}`),
    ];
    await connection.run(`CREATE TEMP TABLE scores (${columns.join(', ')})`);
    const appender = await connection.createAppender('scores');
    let rows: number;
    try {
      rows = await scoreInto(appendTarget(appender), predictor, input, reasonNames.length, features, options);
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    // The reader and the model are done: ranking may have their share of memory.
    await connection.run(`SET memory_limit = ${sqlString(options.memoryLimit ?? SCORING_DEFAULTS.memoryLimit)}`);
    const duplicateCheck = {
      rowsPerPass: options.duplicateCheckRows ?? SCORING_DEFAULTS.duplicateCheckRows,
      memoryLimit: options.memoryLimit ?? SCORING_DEFAULTS.duplicateCheckMemoryLimit,
    };
    return scoredRows(connection, predictor.threshold, rows, (performance.now() - started) / 1000, reasonNames, features, duplicateCheck, close);
  } catch (err) {
    close();
    throw err;
  }
}

/**
 * Scores a customer file and writes id, probability, label, rank (1 = most likely to buy again),
 * best first, atomically: CSV, or Parquet for .parquet/.pq.
 */
export async function scoreFile(predictor: Predictor, input: string, output: string, options: ScoreOptions = {}): Promise<ScoreSummary> {
  const started = performance.now();
  const scored = await scoreRows(predictor, input, options);
  try {
    await scored.write(output);
    return { rows: scored.rows, seconds: (performance.now() - started) / 1000, output, duplicateIds: await scored.duplicateIds() };
  } finally {
    scored.close();
  }
}

// Ties rank in file order: rows were appended in file order, which rowid keeps (DuckDB's docs,
// "Order Preservation").
const BEST_FIRST = 's.probability DESC, s.rowid';

/** How the repeated-ID check runs: a share of the rows per pass, within its own memory limit. */
export interface DuplicateCheck {
  rowsPerPass: number;
  memoryLimit: string;
}

export function scoredRows(
  connection: DuckDBConnection,
  threshold: number,
  rows: number,
  seconds: number,
  reasonNames: readonly string[],
  features: readonly KeptFeature[],
  duplicateCheck: DuplicateCheck,
  close: () => void,
): ScoredRows {
  // The rank is the position in one sort, numbered as the sorted rows stream past (row_number() over
  // no window keeps its input's order, and so does every projection over it): a window ordered over
  // the whole table holds memory per row beyond DuckDB's limit, so large files would run out of it.
  // `from` is the scores table, or it joined with the repeated IDs (aliased s).
  const rankedSql = (extra: readonly { name: string; sql: string }[], from = 'scores s'): string =>
    `SELECT id, probability, label, row_number() OVER () AS rank${extra.map((e) => `, ${e.name}`).join('')}
     FROM (SELECT s.id, s.probability, (s.probability >= ${threshold})::INTEGER AS label${extra.map((e) => `, ${e.sql} AS ${e.name}`).join('')}
           FROM ${from} ORDER BY ${BEST_FIRST})`;
  let duplicates: Promise<DuplicateIds> | null = null;
  const duplicateIds = (): Promise<DuplicateIds> => (duplicates ??= findDuplicateIds(connection, rows, duplicateCheck));
  return {
    rows,
    seconds,
    close,
    duplicateIds,
    async write(path) {
      const format = outputFormat(path);
      const repeated = (await duplicateIds()).ids > 0;
      // Only a list with repeated IDs gets the column, so a clean list keeps its usual shape. The repeated
      // IDs are joined, not looked up with IN: DuckDB's hash join spills to disk, its IN (a mark join) did not.
      const mark = repeated ? [{ name: 'duplicate_id', sql: '(r.id IS NOT NULL)::INTEGER' }] : [];
      const from = repeated ? 'scores s LEFT JOIN repeated r ON s.id = r.id' : undefined;
      const columns = ['id', 'probability', 'label', 'rank', ...reasonNames, ...(repeated ? ['duplicate_id'] : [])];
      const ranked = rankedSql([...reasonNames.map((r) => ({ name: r, sql: `s.${r}` })), ...mark], from);
      // Parquet keeps every value exact; CSV, opened in a spreadsheet, gets its text cells made safe.
      const select =
        format === 'csv'
          ? `SELECT ${columns.map((c) => (c === 'id' || reasonNames.includes(c) ? spreadsheetSafeSql(c) : c)).join(', ')} FROM (${ranked})`
          : ranked;
      if (path === STDOUT) {
        await writeToStdout(csvLines(connection, select, columns, rows));
        return;
      }
      await withAtomicPath(path, async (tmpPath: string) => {
        await connection.run(`COPY (${select}) TO ${sqlString(tmpPath)} (FORMAT ${format}${format === 'csv' ? ', HEADER true' : ''})`);
      });
    },
    async *ranked() {
      // One sort, best first: a row's rank is its position. The probability goes through DuckDB's
      // own text of the float, so it is the value the written file shows.
      const result = await connection.stream(
        `SELECT id, probability::VARCHAR::DOUBLE AS shown, (probability >= ${threshold})::INTEGER AS label
         FROM scores s ORDER BY ${BEST_FIRST}`,
      );
      let read = 0;
      for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        const [ids, shown, labels] = [0, 1, 2].map((c) => chunk!.getColumnVector(c));
        const batch: ScoredRow[] = new Array<ScoredRow>(chunk.rowCount);
        for (let i = 0; i < chunk.rowCount; i++) {
          batch[i] = {
            id: ids!.getItem(i) as string,
            probability: (shown!.getItem(i) as number | null) ?? Number.NaN,
            label: labels!.getItem(i) === 1 ? 1 : 0,
            rank: read + i + 1,
          };
        }
        read += batch.length;
        yield batch;
      }
      // A DuckDB stream that fails part way just ends: an answer missing rows must not pass as whole.
      if (read !== rows) throw internalError(`reading the scored rows stopped at ${read} of ${rows}`);
    },
    async bestFeatures(n) {
      const limit = Math.max(0, Math.floor(n));
      const columns: FeatureColumns = { nRows: 0, numeric: new Map(), categorical: new Map() };
      if (limit === 0) return columns;
      if (features.length === 0) throw internalError('bestFeatures needs rows scored with keepFeatures');
      const reader = await connection.runAndReadAll(
        `SELECT ${features.map((f) => f.sql).join(', ')} FROM scores s ORDER BY ${BEST_FIRST} LIMIT ${limit}`,
      );
      const values = reader.getColumnsJS();
      columns.nRows = reader.currentRowCount;
      features.forEach((f, i) => {
        const column = values[i] ?? [];
        if (f.kind === 'numeric') columns.numeric.set(f.name, Float64Array.from(column, (v) => (v === null ? Number.NaN : Number(v))));
        else columns.categorical.set(f.name, column.map((v) => (v === null ? null : String(v))));
      });
      return columns;
    },
  };
}

/** The rows of `select` as CSV text, a DuckDB chunk at a time, the same bytes DuckDB's COPY writes. */
async function* csvLines(connection: DuckDBConnection, select: string, names: readonly string[], rows: number): AsyncGenerator<string> {
  yield `${names.join(',')}\n`;
  let written = 0;
  // Numbers as DuckDB's own text of them, as its CSV writer writes them.
  const result = await connection.stream(`SELECT ${names.map((n, i) => `s.${n}::VARCHAR AS c${i}`).join(', ')} FROM (${select}) AS s`);
  for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    const vectors = names.map((_, c) => chunk!.getColumnVector(c));
    let text = '';
    for (let i = 0; i < chunk.rowCount; i++) text += `${vectors.map((v) => duckCsvCell(v.getItem(i))).join(',')}\n`;
    written += chunk.rowCount;
    yield text;
  }
  // A DuckDB stream that fails part way just ends: output missing rows must not pass as whole.
  if (written !== rows) throw internalError(`writing the scored rows stopped at ${written} of ${rows}`);
}

/** Streams the file through the model into the appender; returns the rows scored. */
async function scoreInto(
  target: AppendTarget,
  predictor: Predictor,
  input: string,
  nReasons: number,
  features: readonly KeptFeature[],
  options: ScoreOptions,
): Promise<number> {
  let rows = 0;
  const chunkRows = options.batchRows ?? SCORING_DEFAULTS.batchRows;
  const chunks = streamTable(input, predictor.manifest.schema, {
    chunkRows,
    nativeIds: true,
    ...options.dialect,
    skipBadRows: options.skipBadRows,
    onBadRows: options.onBadRows,
  })[Symbol.asyncIterator]();
  let next = chunks.next();
  for (let read = await next; !read.done; read = await next) {
    const chunk = read.value;
    const scoring = predictor.predictColumns(chunk);
    // Read the next chunk while onnxruntime scores this one (on its own threads).
    next = chunks.next();
    next.catch(() => {});
    const probabilities = await scoring;
    const reasons: string[][] = Array.from({ length: nReasons }, () => []);
    if (nReasons > 0) {
      if (!options.explain) throw internalError('scoreFile was asked for reasons without a way to explain');
      const texts = await options.explain(chunk, nReasons);
      texts.forEach((row, r) => reasons.forEach((column, i) => (column[r] = row[i] ?? '')));
    }
    appendScores(target, chunk, probabilities, reasons, features);
    rows += chunk.nRows;
    options.onProgress?.(rows);
  }
  return rows;
}

/**
 * IDs on more than one row of the scored list: how many, on how many rows, and the first few; they are
 * kept in the table `repeated` (id, n, first row) for write() to mark. DuckDB's grouping needs memory
 * that grows with the IDs it holds, so a long list is grouped a share of the IDs (by hash) at a time.
 */
async function findDuplicateIds(connection: DuckDBConnection, rows: number, check: DuplicateCheck): Promise<DuplicateIds> {
  const passes = Math.max(1, Math.ceil(rows / check.rowsPerPass));
  const current = await connection.runAndReadAll("SELECT current_setting('memory_limit')");
  const restore = `SET memory_limit = ${sqlString(String(current.getRowsJS()[0]?.[0]))}`;
  await connection.run(`SET memory_limit = ${sqlString(check.memoryLimit)}`);
  try {
    return await groupRepeatedIds(connection, passes);
  } finally {
    await connection.run(restore);
  }
}

async function groupRepeatedIds(connection: DuckDBConnection, passes: number): Promise<DuplicateIds> {
  const share = (pass: number): string => (passes > 1 ? `WHERE hash(id) % ${passes} = ${pass}` : '');
  // The plain count is the cheap common answer (none); only repeats pay for keeping them.
  let any = false;
  for (let pass = 0; pass < passes && !any; pass++) {
    const count = await connection.runAndReadAll(`SELECT count(*)::DOUBLE FROM (SELECT id FROM scores ${share(pass)} GROUP BY id HAVING count(*) > 1)`);
    any = Number(count.getRowsJS()[0]?.[0] ?? 0) > 0;
  }
  if (!any) return { ids: 0, rows: 0, examples: [] };
  await connection.run('CREATE TEMP TABLE repeated (id VARCHAR, n BIGINT, first BIGINT)');
  for (let pass = 0; pass < passes; pass++) {
    await connection.run(`INSERT INTO repeated SELECT id, count(*), min(rowid) FROM scores ${share(pass)} GROUP BY id HAVING count(*) > 1`);
  }
  const counts = await connection.runAndReadAll('SELECT count(*)::DOUBLE, sum(n)::DOUBLE FROM repeated');
  const [ids, held] = (counts.getRowsJS()[0] ?? [0, 0]).map(Number) as [number, number];
  const first = await connection.runAndReadAll('SELECT id FROM repeated ORDER BY first LIMIT 3');
  return { ids, rows: held, examples: first.getRowsJS().map((row) => String(row[0])) };
}
