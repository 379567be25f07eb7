/**
 * Customer IDs that stay inside DuckDB: scoring passes each ID from the file to the output without
 * making a JavaScript string of it: making and writing back a string per row is a large share of
 * the cost of scoring.
 *
 * DuckDB keeps a VARCHAR as a 16-byte `string_t` (length, then the bytes inline up to 12, or a
 * prefix and a pointer into the chunk that owns them). We copy those 16 bytes from the chunks read
 * and write them into the chunks appended, keeping the read chunks alive until then: the appender
 * copies the strings themselves.
 */
import duckdb from '@duckdb/node-bindings';
import type { DuckDBDataChunk } from './duckdb.js';

const STRING_REF_BYTES = 16;

/** IDs of consecutive rows as DuckDB string references, valid while `owners` live. */
export interface NativeIds {
  refs: Uint8Array<ArrayBuffer>;
  owners: DuckDBDataChunk[];
}

export function createNativeIds(capacity: number): NativeIds {
  return { refs: new Uint8Array(capacity * STRING_REF_BYTES), owners: [] };
}

/** Copies rows `from … from+n` of the chunk's VARCHAR column `column` to rows `at …` of `ids`. */
export function captureNativeIds(ids: NativeIds, chunk: DuckDBDataChunk, column: number, from: number, n: number, at: number): void {
  const vector = duckdb.data_chunk_get_vector(chunk.chunk, column);
  const refs = duckdb.vector_get_data(vector, chunk.rowCount * STRING_REF_BYTES);
  ids.refs.set(refs.subarray(from * STRING_REF_BYTES, (from + n) * STRING_REF_BYTES), at * STRING_REF_BYTES);
  if (ids.owners[ids.owners.length - 1] !== chunk) ids.owners.push(chunk);
}

/** The first of the first `n` rows whose ID is the empty string, or -1. */
export function firstEmptyNativeId(ids: NativeIds, n: number): number {
  const view = new DataView(ids.refs.buffer, ids.refs.byteOffset, ids.refs.byteLength);
  for (let row = 0; row < n; row++) if (view.getUint32(row * STRING_REF_BYTES, true) === 0) return row;
  return -1;
}

/** Writes rows `from … to` of `ids` into the (new, VARCHAR) column `column` of `chunk`. */
export function writeNativeIds(chunk: DuckDBDataChunk, column: number, ids: NativeIds, from: number, to: number): void {
  const vector = duckdb.data_chunk_get_vector(chunk.chunk, column);
  const bytes = ids.refs.subarray(from * STRING_REF_BYTES, to * STRING_REF_BYTES);
  duckdb.copy_data_to_vector(vector, 0, bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
