/**
 * Reasons for the top-ranked rows of a scored upload: reads their features again from the upload and
 * explains them through the Predictor (explaining every row of a large file would cost too much).
 */
import { createReadStream } from 'node:fs';
import { streamTable } from '../data/read.js';
import type { Reason } from '../explain/types.js';
import { explainerFor } from '../explain/explainer.js';
import type { FeatureColumns } from '../core/table.js';
import type { Predictor } from '../predict/types.js';
import { createCsvRecordReader } from '../core/csv.js';

/** Customer id → top reasons, for at most `rows` of the best-ranked customers. */
export type ExplainTopRows = (predictor: Predictor, inputPath: string, scoredPath: string, rows: number, top: number) => Promise<Map<string, Reason[]>>;

/** The ids of the first `n` rows of a scored CSV (it lists the best first). */
async function firstIds(scoredPath: string, n: number): Promise<Set<string>> {
  const ids = new Set<string>();
  let idColumn = -1;
  let header = true;
  const reader = createCsvRecordReader((fields) => {
    if (header) {
      idColumn = fields.indexOf('id');
      header = false;
    } else if (ids.size < n && idColumn >= 0) ids.add(fields[idColumn] ?? '');
  });
  const input = createReadStream(scoredPath, { encoding: 'utf8', highWaterMark: 1 << 16 });
  for await (const chunk of input) {
    reader.push(chunk as string);
    if (ids.size >= n) break;
  }
  input.destroy();
  return ids;
}

export const explainTopRows: ExplainTopRows = async (predictor, inputPath, scoredPath, rows, top) => {
  const wanted = await firstIds(scoredPath, rows);
  const ids: string[] = [];
  const numeric = new Map<string, number[]>();
  const categorical = new Map<string, (string | null)[]>();
  for await (const chunk of streamTable(inputPath, predictor.manifest.schema)) {
    for (let i = 0; i < chunk.nRows; i++) {
      const id = chunk.ids[i]!;
      if (!wanted.delete(id)) continue;
      ids.push(id);
      for (const [name, values] of chunk.numeric) (numeric.get(name) ?? numeric.set(name, []).get(name)!).push(values[i]!);
      for (const [name, values] of chunk.categorical) (categorical.get(name) ?? categorical.set(name, []).get(name)!).push(values[i] ?? null);
    }
    if (wanted.size === 0) break;
  }
  const columns: FeatureColumns = { nRows: ids.length, numeric, categorical };
  const explained = ids.length === 0 ? [] : await explainerFor(predictor).explainColumns(columns, top);
  return new Map(ids.map((id, i) => [id, explained[i]?.reasons ?? []]));
};
