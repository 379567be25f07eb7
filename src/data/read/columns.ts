/** From DuckDB's result vectors to typed columns: numbers as Float64Array (NaN missing, +Infinity bad), strings. */
import duckdb from '@duckdb/node-bindings';
import type { DuckDBDataChunk, DuckDBVector } from '../duckdb.js';
import { captureNativeIds, createNativeIds, type NativeIds } from '../native-ids.js';
import { FLOAT32_OVERFLOW } from '../../core/bounds.js';
import { outputColumns, type Binding, type BoundColumn } from './binding.js';

/**
 * Why a value is not a number the model takes, from its text as the file holds it: beyond float32's
 * range, NaN (refused, as in CSV and JSON: an empty cell is how a file says "missing"), or no number.
 */
export function badNumberProblem(value: string, decimal = '.'): string {
  const text = value.trim();
  if (/^[-+]?nan$/i.test(text)) return 'NaN is not a number the model takes (leave the value empty when it is missing)';
  if (/^[-+]?inf(inity)?$/i.test(text)) return 'not a finite number';
  const parsed = Number(decimal === '.' ? text : text.replace(decimal, '.'));
  if (text !== '' && !Number.isNaN(parsed) && !(Math.abs(parsed) < FLOAT32_OVERFLOW)) {
    return 'beyond ±3.4e38, the range of numbers the model takes';
  }
  return 'not a number';
}

export interface MaterializedResult {
  rowCount: number;
  chunkCount: number;
  getChunk(index: number): DuckDBDataChunk;
}

export function collect(binding: Binding, result: MaterializedResult, firstRow = 0): ColumnBuffers {
  const buffers = new ColumnBuffers(binding, result.rowCount, { firstRow });
  for (let c = 0; c < result.chunkCount; c++) buffers.append(result.getChunk(c));
  return buffers;
}

interface BufferOptions {
  /** Row number of the first row (default 0). */
  firstRow?: number;
  /** Keep IDs inside DuckDB (see NativeIds). */
  nativeIds?: boolean;
}

/** Column arrays being filled, with room for `capacity` rows. */
export class ColumnBuffers {
  readonly ids: string[];
  readonly nativeIds: NativeIds | null;
  readonly target: Float64Array | null;
  readonly numeric = new Map<string, Float64Array>();
  readonly categorical = new Map<string, (string | null)[]>();
  readonly labels = new Map<string, BoundColumn>();
  length = 0;
  private readonly outputs: BoundColumn[];
  private readonly firstRow: number;

  constructor(
    readonly binding: Binding,
    private readonly capacity: number,
    options: BufferOptions = {},
  ) {
    this.outputs = outputColumns(binding);
    this.firstRow = options.firstRow ?? 0;
    this.nativeIds = options.nativeIds && binding.id ? createNativeIds(capacity) : null;
    this.ids = this.nativeIds ? [] : new Array<string>(capacity);
    this.target = binding.target ? new Float64Array(capacity) : null;
    for (const col of binding.features) {
      this.labels.set(col.key, col);
      if (col.role === 'numeric') this.numeric.set(col.key, new Float64Array(capacity));
      else this.categorical.set(col.key, new Array<string | null>(capacity));
    }
  }

  get full(): boolean {
    return this.length === this.capacity;
  }

  /** Copies rows from `chunk` starting at `from`, as many as fit; returns how many. */
  append(chunk: DuckDBDataChunk, from = 0): number {
    const n = Math.min(chunk.rowCount - from, this.capacity - this.length);
    const at = this.length;
    this.outputs.forEach((col, i) => {
      if (col.role === 'id' && this.nativeIds) captureNativeIds(this.nativeIds, chunk, i, from, n, at);
      else if (col.role === 'id') readStrings(chunk.getColumnVector(i), from, n, this.ids, at);
      else if (col.role === 'target') this.target!.set(readCheckedDoubles(chunk, i).subarray(from, from + n), at);
      else if (col.role === 'numeric') this.numeric.get(col.key)!.set(readCheckedDoubles(chunk, i).subarray(from, from + n), at);
      else readNullableStrings(chunk.getColumnVector(i), from, n, this.categorical.get(col.key)!, at);
    });
    if (!this.binding.id) for (let r = at; r < at + n; r++) this.ids[r] = String(this.firstRow + r + 1);
    this.length += n;
    return n;
  }
}

/** A DOUBLE column as the model takes it: NULL → NaN (missing), not finite or beyond float32 → +Infinity. */
function readCheckedDoubles(chunk: DuckDBDataChunk, column: number): Float64Array {
  const n = chunk.rowCount;
  const vector = duckdb.data_chunk_get_vector(chunk.chunk, column);
  const bytes = duckdb.vector_get_data(vector, n * 8);
  const values = bytes.byteOffset % 8 === 0 ? new Float64Array(bytes.buffer, bytes.byteOffset, n) : new Float64Array(bytes.slice().buffer);
  for (let row = 0; row < n; row++) if (!(Math.abs(values[row]!) < FLOAT32_OVERFLOW)) values[row] = Infinity;
  // DuckDB's validity mask (null when all are valid): one bit a row, little-endian 64-bit words.
  const validity = duckdb.vector_get_validity(vector, Math.ceil(n / 64) * 8) as Uint8Array | null;
  if (validity) for (let row = 0; row < n; row++) if (((validity[row >> 3]! >> (row & 7)) & 1) === 0) values[row] = NaN;
  return values;
}

/** Non-null strings; short ASCII strings are decoded straight from the vector's bytes. */
function readStrings(vector: DuckDBVector, from: number, n: number, out: string[], at: number): void {
  const view = (vector as unknown as { dataView?: unknown }).dataView;
  if (!(view instanceof DataView)) {
    for (let i = 0; i < n; i++) out[at + i] = String(vector.getItem(from + i) ?? '');
    return;
  }
  for (let i = 0; i < n; i++) {
    out[at + i] = inlineAscii(view, (from + i) * 16) ?? String(vector.getItem(from + i) ?? '');
  }
}

/** A DuckDB string of at most 12 ASCII bytes is stored inline: length (4 bytes) then the bytes. */
function inlineAscii(view: DataView, offset: number): string | null {
  const length = view.getUint32(offset, true);
  if (length > 12) return null;
  let text = '';
  for (let k = 0; k < length; k++) {
    const byte = view.getUint8(offset + 4 + k);
    if (byte > 127) return null;
    text += String.fromCharCode(byte);
  }
  return text;
}

function readNullableStrings(vector: DuckDBVector, from: number, n: number, out: (string | null)[], at: number): void {
  for (let i = 0; i < n; i++) {
    const value = vector.getItem(from + i);
    out[at + i] = value === null ? null : String(value);
  }
}
