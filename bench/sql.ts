/**
 * npm run build && node dist/bench/sql.js — the SQL compiler's figures on this machine (a script, not a test):
 * for 2x50 and 3x50 network bundles trained on the real data with derived features, the statement's
 * size per dialect, the median time to generate it (bundle already loaded, and the whole
 * `compileBundleSql` from the directory), and DuckDB running it over the real file against the
 * Predictor: time and the largest probability difference.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBundle } from '../src/app/train.js';
import { compileBundleSql } from '../src/app/sql.js';
import { loadBundle } from '../src/bundle/load.js';
import { DIALECT_NAMES, DIALECTS, quoteIdent, quoteText } from '../src/compile/dialect.js';
import { scoringPipelineOf } from '../src/compile/from-bundle.js';
import { compilePipelineSql } from '../src/compile/pipeline-sql.js';
import { readTable } from '../src/data/read.js';
import { AUDIOBOOKS_COLUMNS, AUDIOBOOKS_HEADER } from '../src/domain/audiobooks.js';
import { openDuckDb, runScoringSql } from '../src/engines/duckdb.js';
import { median } from '../src/evaluate/stats.js';
import { loadPredictor } from '../src/predict/predictor.js';
import { requireRealData } from './common.js';

const TRIALS = 7;
const log = (line: string): boolean => process.stderr.write(`${line}\n`);

async function timeMs(body: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    const started = performance.now();
    await body();
    times.push(performance.now() - started);
  }
  return median(times);
}

async function main(): Promise<void> {
  const data = requireRealData();
  const dir = await mkdtemp(join(tmpdir(), 'rebuy-bench-sql-'));
  const db = await openDuckDb();
  try {
    const table = await readTable(data);
    const renamed = AUDIOBOOKS_HEADER.map((header, k) => `${quoteIdent(header.trim())} AS ${quoteIdent(AUDIOBOOKS_COLUMNS[k]!)}`);
    await db.connection.run(`CREATE TABLE customers AS SELECT ${renamed.join(', ')} FROM read_csv(${quoteText(data)}, header = true)`);
    for (const preset of ['2x50', '3x50'] as const) {
      const model = join(dir, preset);
      await trainBundle({ data, out: model, preset, derived: true, network: { maxEpochs: 5 }, balance: 'random', split: [0.8, 0.1, 0.1], seed: 1, baseline: false, report: false });
      const pipeline = await scoringPipelineOf(await loadBundle(model));
      for (const name of DIALECT_NAMES) {
        const sql = compilePipelineSql(pipeline, DIALECTS[name], { table: 'customers' }, { rank: true });
        const compileMs = await timeMs(() => compilePipelineSql(pipeline, DIALECTS[name], { table: 'customers' }, { rank: true }));
        const wholeMs = await timeMs(() => compileBundleSql({ model, dialect: name }));
        log(`${preset}+derived ${name}: ${(Buffer.byteLength(sql) / 1024).toFixed(1)} KB, generated in ${compileMs.toFixed(1)} ms (from the directory: ${wholeMs.toFixed(1)} ms)`);
      }
      const predictor = await loadPredictor(model);
      try {
        const expected = await predictor.predictColumns(table);
        const sql = compilePipelineSql(pipeline, DIALECTS.duckdb, { table: 'customers' }, { rank: true });
        const runMs = await timeMs(() => runScoringSql(db.connection, sql));
        const byId = new Map((await runScoringSql(db.connection, sql)).map((r) => [r.id, r.probability]));
        const worst = table.ids.reduce((w, id, i) => Math.max(w, Math.abs(byId.get(id)! - expected[i]!)), 0);
        log(`${preset}+derived DuckDB over ${table.nRows} rows: ${runMs.toFixed(0)} ms (median of ${TRIALS}), max |SQL − Predictor| = ${worst.toExponential(2)}`);
      } finally {
        await predictor.close();
      }
    }
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
