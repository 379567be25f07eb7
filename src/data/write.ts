/**
 * Writers for CSV, Parquet and NumPy .npz. Every write to a file is atomic: the data goes to a
 * temporary file beside the target, renamed over it only when complete. `-` is standard output,
 * streamed, with no temporary file.
 */
import { chmod, open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import type { Zippable } from 'fflate';
import { DuckDBInstance, sqlIdent, sqlString, type DuckDBAppender } from './duckdb.js';
import { internalError, outputError } from '../errors.js';
import { csvField, csvValue } from '../core/csv.js';
import {
  onInterrupt,
  removeSync,
  resolveOutputFile,
  STDOUT,
  sweepStale,
  syncDirectory,
  temporaryNaming,
  temporaryTag,
  withSpillDirectory,
  writeFailure,
  writeToStdout,
} from './fs.js';

export { csvValue };

/** A named column of values; numbers that are NaN and nulls are written as missing. */
export interface OutputColumn {
  name: string;
  values: ArrayLike<number | string | null>;
}

/** Typed arrays the .npz writer knows, and their NumPy dtype. */
export type NpyData = Float32Array | Float64Array | Int32Array | Uint8Array;

export interface NpyArray {
  data: NpyData;
  /** Row-major (C order) shape; its product must equal data.length. [] for a scalar. */
  shape: number[];
}

/**
 * Runs `write(tmpPath)`, which must create the file at tmpPath, then flushes it to disk and renames
 * it to `path`. If anything fails, the temporary file is removed and `path` is left untouched.
 *
 * `path` must be a regular file or nothing: a symlink is written through (the link stays and its
 * target gets the new contents, atomically, as editors and a shell's `>` keep links); a directory,
 * device, FIFO or socket is refused, since renaming over it would replace the entry itself. The
 * replaced file's permissions are kept. Stale temporaries of killed writes to the same file go first.
 */
export async function withAtomicPath<T>(path: string, write: (tmpPath: string) => Promise<T>): Promise<T> {
  if (path === STDOUT) throw internalError('withAtomicPath writes files: stream standard output instead');
  const target = await resolveOutputFile(path);
  const naming = temporaryNaming(target.path, 'tmp', extname(target.path));
  await sweepStale(dirname(target.path), naming.pattern);
  const tmpPath = join(dirname(target.path), naming.name(temporaryTag()));
  const forget = onInterrupt(() => removeSync(tmpPath));
  try {
    const result = await write(tmpPath);
    if (target.mode !== null) await chmod(tmpPath, target.mode);
    await flushToDisk(tmpPath);
    await rename(tmpPath, target.path);
    await syncDirectory(dirname(target.path));
    return result;
  } catch (err) {
    await rm(tmpPath, { force: true });
    throw writeFailure(path, err);
  } finally {
    forget();
  }
}

/** Writes data to a file atomically (see withAtomicPath), or to standard output for `-`. */
export async function atomicWriteFile(path: string, data: string | Uint8Array): Promise<void> {
  if (path === STDOUT) return writeToStdout([data]);
  await withAtomicPath(path, (tmpPath) => writeFile(tmpPath, data));
}

async function flushToDisk(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------
// CSV

const CSV_BATCH_ROWS = 8192;

/** What DuckDB may hold of a list written as Parquet in batches before it spills the rest to disk. */
const PARQUET_BATCHES_MEMORY = '64MB';

/**
 * Writes columns as CSV (LF, header row), or to standard output for `-`. Numbers in their shortest
 * round-trip form; NaN and null empty. Text is written as it is (these files are read back as data).
 */
export async function writeCsv(path: string, columns: readonly OutputColumn[]): Promise<void> {
  commonLength(columns);
  await writeCsvBatches(
    path,
    columns.map((c) => c.name),
    [columns],
  );
}

/**
 * writeCsv for rows that arrive in batches (each batch: the same columns, in order), so that a long
 * table is written without holding it: the same bytes as writeCsv of all the rows at once.
 */
export async function writeCsvBatches(
  path: string,
  names: readonly string[],
  batches: AsyncIterable<readonly OutputColumn[]> | Iterable<readonly OutputColumn[]>,
): Promise<void> {
  async function* text(): AsyncGenerator<string> {
    yield `${names.map((name) => csvField(name)).join(',')}\n`;
    for await (const columns of batches) {
      const nRows = commonLength(columns);
      for (let start = 0; start < nRows; start += CSV_BATCH_ROWS) yield csvRows(columns, start, Math.min(nRows, start + CSV_BATCH_ROWS));
    }
  }
  if (path === STDOUT) return writeToStdout(text());
  await withAtomicPath(path, async (tmpPath) => {
    const handle = await open(tmpPath, 'w');
    try {
      for await (const chunk of text()) await handle.write(chunk);
    } finally {
      await handle.close();
    }
  });
}

function csvRows(columns: readonly OutputColumn[], start: number, end: number): string {
  let text = '';
  for (let row = start; row < end; row++) {
    for (let c = 0; c < columns.length; c++) {
      if (c > 0) text += ',';
      text += csvValue(columns[c]!.values[row]!);
    }
    text += '\n';
  }
  return text;
}

function commonLength(columns: readonly OutputColumn[]): number {
  const n = columns[0]?.values.length ?? 0;
  const odd = columns.find((c) => c.values.length !== n);
  if (odd) throw internalError(`column ${JSON.stringify(odd.name)} has ${odd.values.length} values, expected ${n}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Parquet (through DuckDB)

/** The format a scores file is written in, by its name: Parquet for .parquet/.pq (any case), else CSV (and `-`, standard output). */
export function outputFormat(path: string): 'parquet' | 'csv' {
  const ext = path === STDOUT ? '' : extname(path).toLowerCase();
  return ext === '.parquet' || ext === '.pq' ? 'parquet' : 'csv';
}

/** Writes columns as Parquet: a column whose values are all numbers (or missing) is DOUBLE, else VARCHAR. */
export async function writeParquet(path: string, columns: readonly OutputColumn[]): Promise<void> {
  commonLength(columns);
  await writeParquetBatches(
    path,
    columns.map((c) => ({ name: c.name, numeric: isNumericColumn(c.values) })),
    [columns],
  );
}

/**
 * writeParquet for rows that arrive in batches, with each column's type given up front (numeric:
 * DOUBLE, else VARCHAR): the same file as writeParquet of all the rows at once.
 */
export async function writeParquetBatches(
  path: string,
  types: readonly { name: string; numeric: boolean }[],
  batches: AsyncIterable<readonly OutputColumn[]> | Iterable<readonly OutputColumn[]>,
): Promise<void> {
  if (path === STDOUT) throw outputError(STDOUT, 'Parquet is not streamed to standard output; name a .parquet file');
  // The rows wait in DuckDB until the file is written: past a bound they go to disk, so a long list costs no more memory.
  await withSpillDirectory((spill) => withAtomicPath(path, async (tmpPath) => {
    const instance = await DuckDBInstance.create(':memory:', { memory_limit: PARQUET_BATCHES_MEMORY, temp_directory: spill });
    try {
      const con = await instance.connect();
      try {
        const defs = types.map((c) => `${sqlIdent(c.name)} ${c.numeric ? 'DOUBLE' : 'VARCHAR'}`);
        await con.run(`CREATE TABLE out (${defs.join(', ')})`);
        const appender = await con.createAppender('out');
        try {
          for await (const columns of batches) {
            const nRows = commonLength(columns);
            for (let row = 0; row < nRows; row++) {
              columns.forEach((c, i) => appendCell(appender, c.values[row]!, types[i]!.numeric));
              appender.endRow();
            }
          }
          appender.flushSync();
        } finally {
          appender.closeSync();
        }
        await con.run(`COPY out TO ${sqlString(tmpPath)} (FORMAT parquet)`);
      } finally {
        con.closeSync();
      }
    } finally {
      instance.closeSync();
    }
  }));
}

function appendCell(appender: DuckDBAppender, value: number | string | null, numeric: boolean): void {
  if (value === null || (typeof value === 'number' && Number.isNaN(value))) appender.appendNull();
  else if (numeric) appender.appendDouble(value as number);
  else appender.appendVarchar(String(value));
}

function isNumericColumn(values: ArrayLike<number | string | null>): boolean {
  for (let i = 0; i < values.length; i++) if (typeof values[i] === 'string') return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// NumPy .npz: a zip of .npy (format 1.0) files, stored uncompressed

/** The earliest time a zip entry can carry: a fixed time keeps the same arrays the same bytes. */
const ZIP_EPOCH = new Date(1980, 0, 1);

/** Writes arrays as a .npz that `np.load` reads: each key becomes `key.npy` in the zip, stored as NumPy stores them. */
export async function writeNpz(path: string, arrays: Record<string, NpyArray>): Promise<void> {
  const entries: Zippable = {};
  for (const [name, array] of Object.entries(arrays)) entries[`${name}.npy`] = [encodeNpy(array), { level: 0, mtime: ZIP_EPOCH }];
  // Loaded here, not at the top: every command that writes a file imports this module, few write .npz.
  const { zipSync } = await import('fflate');
  await atomicWriteFile(path, zipSync(entries));
}

function dtypeOf(data: NpyData): string | null {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Uint8Array) return '|u1';
  return null;
}

/** One array as .npy bytes: magic, version 1.0, a header padded to 64 bytes, then the raw data (little-endian, as on x86 and ARM). */
function encodeNpy(array: NpyArray): Uint8Array {
  const dtype = dtypeOf(array.data);
  if (!dtype) throw internalError(`npy: unsupported array type ${(array.data as object).constructor.name}`);
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) {
    throw internalError(`npy: shape [${array.shape.join(', ')}] needs ${count} values, got ${array.data.length}`);
  }
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shape}, }`;
  const preamble = 10;
  const headerLength = Math.ceil((preamble + dict.length + 1) / 64) * 64 - preamble;
  const header = `${dict.padEnd(headerLength - 1, ' ')}\n`;
  const bytes = new Uint8Array(preamble + headerLength + array.data.byteLength);
  bytes.set([0x93, ...Buffer.from('NUMPY'), 1, 0]);
  new DataView(bytes.buffer).setUint16(8, headerLength, true);
  bytes.set(Buffer.from(header, 'latin1'), preamble);
  bytes.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength), preamble + headerLength);
  return bytes;
}
