/** The values a read must hold: targets 0 or 1, IDs present and (for training) unique, numbers the model takes. */
import { inputError, type RebuyError } from '../../errors.js';
import type { Table } from '../../core/table.js';
import { firstEmptyNativeId } from '../native-ids.js';
import type { Binding, BoundColumn } from './binding.js';
import { targetValuesInWords } from './target.js';
import { badNumberProblem, type ColumnBuffers } from './columns.js';
import { lineOf, locateValue } from './locate.js';
import type { Source } from './source.js';

export async function validTable(source: Source, binding: Binding, columns: ColumnBuffers, allowDuplicateIds: boolean): Promise<Table> {
  await failOnRowValues(source, binding, columns, 0);
  if (binding.id && !allowDuplicateIds) await failOnDuplicateIds(source, binding.id, columns.ids);
  return {
    source: source.path,
    schema: binding.schema,
    nRows: columns.length,
    ids: columns.ids,
    target: columns.target ? Uint8Array.from(columns.target) : null,
    numeric: columns.numeric,
    categorical: columns.categorical,
    firstDataLine: source.firstDataLine,
  };
}

/** Targets 0/1, IDs present, numbers finite, in rows numbered from `firstRow`. */
export async function failOnRowValues(source: Source, binding: Binding, columns: ColumnBuffers, firstRow: number): Promise<void> {
  if (binding.target) await failOnBadTarget(source, binding, columns.target!, firstRow);
  await failOnBadValue(source, columns, firstRow);
}

export async function failOnBadValue(source: Source, buffers: ColumnBuffers, firstRow = 0): Promise<void> {
  const idColumn = buffers.binding.id;
  const missingId = !idColumn ? -1 : buffers.nativeIds ? firstEmptyNativeId(buffers.nativeIds, buffers.length) : buffers.ids.indexOf('');
  if (idColumn && missingId >= 0 && missingId < buffers.length) {
    const line = await lineOf(source, firstRow + missingId);
    throw inputError('missing customer ID', { file: source.path, line, column: idColumn.label, value: '' });
  }
  for (const [key, values] of buffers.numeric) {
    const row = values.indexOf(Infinity);
    if (row < 0 || row >= buffers.length) continue;
    const col = buffers.labels.get(key)!;
    const at = await locateValue(source, firstRow + row, col);
    throw inputError(badNumberProblem(at.value, source.decimal), { file: source.path, line: at.line, column: col.label, value: at.value });
  }
}

async function failOnBadTarget(source: Source, binding: Binding, values: Float64Array, firstRow: number): Promise<void> {
  const row = values.findIndex((v) => v !== 0 && v !== 1);
  if (row < 0) return;
  const col = binding.target!;
  const at = await locateValue(source, firstRow + row, col);
  const allowed = targetValuesInWords(binding.schema.targetValues);
  // A table's own target written with other numbers (1/2) can still be read: the user names its positive value.
  const hint = binding.schema.name === 'custom' && !binding.schema.targetValues ? '; for a target written otherwise, name the value that means 1 with `positive` (--positive)' : '';
  const problem = Number.isNaN(values[row]) ? `missing target value (must be ${allowed})` : `target must be ${allowed}${hint}`;
  throw inputError(problem, { file: source.path, line: at.line, column: col.label, value: at.value });
}

async function failOnDuplicateIds(source: Source, col: BoundColumn, ids: string[]): Promise<void> {
  const pair = duplicatePair(ids);
  if (pair) throw await duplicateIdError(source, col, pair, ids[pair[1]]!);
}

/** A customer ID on two rows of the file (0-based data rows, the first seen first), named by both lines. */
export async function duplicateIdError(source: Source, col: BoundColumn, [firstRow, secondRow]: [number, number], id: string): Promise<RebuyError> {
  const [first, second] = await Promise.all([lineOf(source, firstRow), lineOf(source, secondRow)]);
  return inputError(`duplicate customer ID (also on line ${first})`, { file: source.path, line: second, column: col.label, value: id });
}

/**
 * Fails on the first ID of a chunk (rows from `firstRow`) that an earlier row of the file held, as
 * readTable does for a whole file; `seen` keeps every ID read so far, with its row.
 */
export async function failOnRepeatedId(source: Source, col: BoundColumn, seen: Map<string, number>, ids: readonly string[], firstRow: number): Promise<void> {
  for (let i = 0; i < ids.length; i++) {
    const before = seen.get(ids[i]!);
    if (before !== undefined) throw await duplicateIdError(source, col, [before, firstRow + i], ids[i]!);
    seen.set(ids[i]!, firstRow + i);
  }
}

/** The rows of the first repeated ID (by its second occurrence), or null. */
export function duplicatePair(ids: readonly string[]): [number, number] | null {
  const keys = digitKeys(ids);
  if (keys && !hasEqualNeighbours(keys.sort())) return null;
  const firstSeen = new Map<string, number>();
  for (let row = 0; row < ids.length; row++) {
    const before = firstSeen.get(ids[row]!);
    if (before !== undefined) return [before, row];
    firstSeen.set(ids[row]!, row);
  }
  return null;
}

/**
 * IDs as numbers when that keeps them apart: all digits (at most 15), and either none with a leading
 * zero or all of one length. Sorting numbers finds "no duplicates" far faster than a Map of strings.
 */
function digitKeys(ids: readonly string[]): Float64Array | null {
  const keys = new Float64Array(ids.length);
  const width = ids[0]?.length ?? 0;
  let sameWidth = true;
  let leadingZero = false;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id.length === 0 || id.length > 15 || !/^\d+$/.test(id)) return null;
    sameWidth &&= id.length === width;
    leadingZero ||= id.length > 1 && id.charCodeAt(0) === 0x30;
    keys[i] = Number(id);
  }
  return sameWidth || !leadingZero ? keys : null;
}

function hasEqualNeighbours(sorted: Float64Array): boolean {
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) return true;
  return false;
}
