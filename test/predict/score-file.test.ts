import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTable } from '../../src/data/read.js';
import { featureColumns, type FeatureColumns } from '../../src/core/table.js';
import { RebuyError } from '../../src/errors.js';
import { loadPredictor } from '../../src/predict/predictor.js';
import { scoreFile, scoreRows, type ScoredRow } from '../../src/predict/score-file.js';
import type { Predictor } from '../../src/predict/types.js';
import type { TableSchema } from '../../src/core/schema.js';
import { fakePredictor } from '../server/fakes.js';
import { realDeps, syntheticAudiobooks } from '../server/real.js';

const ROWS = 5000;

/**
 * IDs DuckDB stores inline (≤ 12 bytes) and out of line, non-ASCII, zero-padded, and (when `quoted`)
 * quoted with a comma, which makes DuckDB read the file with one thread.
 */
function oddId(row: number, quoted: boolean): string {
  switch (row % 5) {
    case 0:
      return `customer-with-a-long-identifier-${row}`;
    case 1:
      return `kundé-Ünïcode-${row}`;
    case 2:
      return String(row).padStart(8, '0');
    case 3:
      return quoted ? `"a,b-${row}"` : `a-b-${row}`;
    default:
      return `c${row}`;
  }
}

const unquote = (id: string): string => id.replace(/^"(.*)"$/, '$1');

let dir: string;
let predictor: Predictor;
let input: string;
let quotedInput: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-score-file-'));
  const [bundle] = (await realDeps.get()).bundles;
  predictor = await loadPredictor(bundle, { threads: 1 });
  const [header, ...rows] = syntheticAudiobooks(ROWS, 5).trimEnd().split('\n');
  const write = async (name: string, quoted: boolean): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, [header, ...rows.map((line, i) => `${oddId(i, quoted)},${line.slice(line.indexOf(',') + 1)}`)].join('\n') + '\n');
    return path;
  };
  input = await write('customers.csv', false);
  quotedInput = await write('customers-quoted.csv', true);
});

afterAll(async () => {
  await predictor?.close();
  await rm(dir, { recursive: true, force: true });
});

async function readScores(path: string): Promise<{ id: string; probability: number; label: number; rank: number }[]> {
  const instance = await DuckDBInstance.create();
  try {
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(`SELECT * FROM read_csv('${path}', all_varchar = true, header = true)`);
    return reader.getRowObjectsJS().map((r) => ({
      id: String(r.id),
      probability: Number(r.probability),
      label: Number(r.label),
      rank: Number(r.rank),
    }));
  } finally {
    instance.closeSync();
  }
}

describe('scoreFile', () => {
  it.each([
    ['read in parallel', false],
    ['quoted, read by one thread', true],
  ])('passes every ID through unchanged, with its own probability, across batch and DuckDB-chunk boundaries (%s)', async (_, quoted) => {
    const file = quoted ? quotedInput : input;
    const out = join(dir, `scores-small-batches-${quoted}.csv`);
    const summary = await scoreFile(predictor, file, out, { batchRows: 1000 });
    expect(summary.rows).toBe(ROWS);

    const table = await readTable(file);
    const expected = await predictor.predictColumns(featureColumns(table));
    const rowOf = new Map(table.ids.map((id, row) => [id, row]));
    const scores = await readScores(out);
    expect(scores).toHaveLength(ROWS);
    expect(new Set(scores.map((s) => s.id))).toEqual(new Set(table.ids));
    expect(table.ids.slice(0, 5)).toEqual([0, 1, 2, 3, 4].map((row) => unquote(oddId(row, quoted))));
    for (const s of scores) expect(s.probability).toBeCloseTo(expected[rowOf.get(s.id)!]!, 6);

    expect(scores.map((s) => s.rank)).toEqual(scores.map((_, i) => i + 1));
    for (let i = 1; i < scores.length; i++) {
      const [before, after] = [scores[i - 1]!, scores[i]!];
      expect(before.probability).toBeGreaterThanOrEqual(after.probability);
      if (before.probability === after.probability) expect(rowOf.get(before.id)!).toBeLessThan(rowOf.get(after.id)!);
    }
    for (const s of scores) expect(s.label).toBe(s.probability >= predictor.threshold ? 1 : 0);

    const oneBatch = join(dir, `scores-one-batch-${quoted}.csv`);
    await scoreFile(predictor, file, oneBatch);
    expect(await readFile(oneBatch, 'utf8')).toBe(await readFile(out, 'utf8'));
  });

  it('ranks customers with equal probabilities in file order, across batches and DuckDB row groups', async () => {
    // Three distinct customers, repeated: every probability is shared by about 50,000 rows (DuckDB's
    // row groups hold 122,880). IDs run backwards, so ranking by ID would fail.
    const [header, ...rows] = syntheticAudiobooks(3, 11).trimEnd().split('\n');
    const features = rows.map((line) => line.slice(line.indexOf(',') + 1));
    const n = 150_000;
    const lines = Array.from({ length: n }, (_, i) => `id-${String(n - i).padStart(6, '0')},${features[i % 3]}`);
    const file = join(dir, 'ties.csv');
    await writeFile(file, `${header}\n${lines.join('\n')}\n`);
    const out = join(dir, 'ties-scores.csv');
    await scoreFile(predictor, file, out, { batchRows: 7000 });

    const scores = await readScores(out);
    expect(scores.map((s) => s.rank)).toEqual(scores.map((_, i) => i + 1));
    expect(new Set(scores.map((s) => s.probability)).size).toBe(3);
    const fileRow = (id: string): number => n - Number(id.slice(3));
    for (let i = 1; i < scores.length; i++) {
      const [before, after] = [scores[i - 1]!, scores[i]!];
      if (before.probability === after.probability) expect(fileRow(before.id)).toBeLessThan(fileRow(after.id));
      else expect(before.probability).toBeGreaterThan(after.probability);
    }
  });

  it('scores the same customers from Parquet as from CSV', async () => {
    const parquet = join(dir, 'customers.parquet');
    const instance = await DuckDBInstance.create();
    try {
      const connection = await instance.connect();
      await connection.run(`COPY (SELECT * FROM read_csv('${input}', header = true, types = {'id': 'VARCHAR'})) TO '${parquet}' (FORMAT parquet)`);
    } finally {
      instance.closeSync();
    }
    const [fromCsv, fromParquet] = [join(dir, 'from-csv.csv'), join(dir, 'from-parquet.csv')];
    await scoreFile(predictor, input, fromCsv, { batchRows: 1000 });
    await scoreFile(predictor, parquet, fromParquet, { batchRows: 1000 });
    expect(await readFile(fromParquet, 'utf8')).toBe(await readFile(fromCsv, 'utf8'));
  });

  it('refuses a missing ID in a later batch, naming its line, and writes nothing', async () => {
    const lines = (await readFile(input, 'utf8')).trimEnd().split('\n');
    const badRow = 3456;
    lines[badRow + 1] = lines[badRow + 1]!.replace(/^("[^"]*"|[^,]*)/, '');
    const bad = join(dir, 'missing-id.csv');
    await writeFile(bad, `${lines.join('\n')}\n`);
    const out = join(dir, 'never.csv');
    const error = await scoreFile(predictor, bad, out, { batchRows: 1000 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RebuyError);
    expect((error as RebuyError).message).toMatch(new RegExp(`${bad}:${badRow + 2}.*missing customer ID`));
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });
});

describe('scoreRows', () => {
  async function allRows(batches: AsyncIterable<ScoredRow[]>): Promise<{ rows: ScoredRow[]; sizes: number[] }> {
    const rows: ScoredRow[] = [];
    const sizes: number[] = [];
    for await (const batch of batches) {
      sizes.push(batch.length);
      rows.push(...batch);
    }
    return { rows, sizes };
  }

  it('hands out the rows the written file lists, best first, a batch at a time', async () => {
    const scored = await scoreRows(predictor, quotedInput, { batchRows: 1000 });
    try {
      expect(scored.rows).toBe(ROWS);
      const out = join(dir, 'rows-written.csv');
      await scored.write(out);
      const { rows, sizes } = await allRows(scored.ranked());
      expect(sizes.length).toBeGreaterThan(1);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(ROWS);
      // The same rows as the file, and each probability the very number its text in the file reads as.
      expect(rows).toEqual(await readScores(out));
      const again = await allRows(scored.ranked());
      expect(again.rows).toEqual(rows);
    } finally {
      scored.close();
      scored.close();
    }
  });

  it('keeps the best rows\' features, missing values included, when asked', async () => {
    const lines = syntheticAudiobooks(40, 3).trimEnd().split('\n');
    // Blank the completion of every third customer: a missing value.
    const withGaps = lines.map((line, i) => (i > 0 && i % 3 === 0 ? line.split(',').map((v, j) => (j === 7 ? '' : v)).join(',') : line));
    const file = join(dir, 'gaps.csv');
    await writeFile(file, `${withGaps.join('\n')}\n`);
    const table = await readTable(file);
    const scored = await scoreRows(predictor, file, { keepFeatures: true, batchRows: 7 });
    try {
      const { rows } = await allRows(scored.ranked());
      const best = await scored.bestFeatures(15);
      expect(best.nRows).toBe(15);
      const rowOf = new Map(table.ids.map((id, row) => [id, row]));
      const bestRows = rows.slice(0, 15).map((r) => rowOf.get(r.id)!);
      for (const f of predictor.manifest.schema.features) {
        expect(Array.from(best.numeric.get(f.name)!), f.name).toEqual(bestRows.map((row) => table.numeric.get(f.name)![row]));
      }
      expect(Array.from(best.numeric.get('completion')!).some(Number.isNaN)).toBe(true);
      // Scoring the kept features again gives the probabilities the rows were ranked by.
      const again = await predictor.predictColumns(best);
      rows.slice(0, 15).forEach((r, i) => expect(again[i]).toBeCloseTo(r.probability, 6));
      expect((await scored.bestFeatures(0)).nRows).toBe(0);
      expect((await scored.bestFeatures(1000)).nRows).toBe(40);
    } finally {
      scored.close();
    }
  });

  it('keeps categorical features, a missing one as null', async () => {
    const schema: TableSchema = {
      name: 'custom',
      id: 'id',
      target: null,
      features: [
        { name: 'x', kind: 'numeric' },
        { name: 'plan', kind: 'categorical' },
      ],
    };
    const base = fakePredictor();
    // Scores by x alone, so the ranking is known: x = 5, 4, 3, 2, 1 from the best.
    const byX = { ...base, manifest: { ...base.manifest, schema }, predictColumns: async (c: FeatureColumns) => Float32Array.from(c.numeric.get('x')!, (v) => v / 10) };
    const file = join(dir, 'plans.csv');
    await writeFile(file, 'id,x,plan\na,1,gold\nb,5,\nc,3,"silver, old"\nd,2,gold\ne,4,bronze\n');
    const scored = await scoreRows(byX, file, { keepFeatures: true });
    try {
      const best = await scored.bestFeatures(4);
      expect(Array.from(best.numeric.get('x')!)).toEqual([5, 4, 3, 2]);
      expect(best.categorical.get('plan')).toEqual([null, 'bronze', 'silver, old', 'gold']);
      expect((await allRows(scored.ranked())).rows.map((r) => r.id)).toEqual(['b', 'e', 'c', 'd', 'a']);
    } finally {
      scored.close();
    }
  });

  it('has no features to hand out unless asked to keep them', async () => {
    const scored = await scoreRows(predictor, input);
    try {
      await expect(scored.bestFeatures(3)).rejects.toMatchObject({ code: 'INTERNAL' });
    } finally {
      scored.close();
    }
  });

  it('scores several files at once past the memory limit, each spilling into a directory of its own that goes when closed', async () => {
    const spill = join(dir, 'spill');
    await mkdir(spill);
    const big = join(dir, 'big.csv');
    await writeFile(big, syntheticAudiobooks(300_000, 9));
    const scorings = await Promise.all(
      Array.from({ length: 3 }, () => scoreRows(predictor, big, { keepFeatures: true, memoryLimit: '48MB', tempDir: spill })),
    );
    try {
      const own = await readdir(spill);
      expect(own).toHaveLength(3);
      // Each has spilled: its table is larger than the memory limit.
      for (const d of own) expect((await readdir(join(spill, d))).length, d).toBeGreaterThan(0);
      const firsts = await Promise.all(
        scorings.map(async (scored) => {
          let count = 0;
          let first: ScoredRow | undefined;
          for await (const batch of scored.ranked()) {
            first ??= batch[0];
            count += batch.length;
          }
          return { count, first, best: Array.from((await scored.bestFeatures(1)).numeric.get('completion')!) };
        }),
      );
      for (const f of firsts) expect(f).toEqual({ ...firsts[0], count: 300_000 });
    } finally {
      for (const scored of scorings) scored.close();
    }
    expect(await readdir(spill)).toEqual([]);
  });
});
