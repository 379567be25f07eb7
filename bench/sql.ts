/**
 * npm run bench:sql — the SQL compiler's figures on this machine (a script, not a test):
 * 1. for 2x50 and 3x50 network bundles trained on the real data with derived features, the
 *    statement's size per dialect, the median time to generate it (bundle already loaded, and the
 *    whole `compileBundleSql` from the directory), and DuckDB running it over the real file against
 *    the Predictor: time and the largest probability difference;
 * 2. the two local paths: `rebuy score --path sql` (DuckDB runs the compiled pipeline) and
 *    `--path onnx`, as fresh processes, in turn, on one generated CSV file (1M rows; --rows N), CSV
 *    to CSV, for the logistic model and the 2x10, 2x50 and 3x50 networks (--models logistic,2x10
 *    for some): medians of wall and CPU time, their ratio, and the path `rebuy score` picks by
 *    default (config.ts LOCAL_SQL_PATH) against the faster one measured.
 * --skip-compile leaves out part 1, --skip-engine part 2.
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
import { writeFile } from 'node:fs/promises';
import { generateAudiobooksSample } from '../src/data/sample.js';
import { chooseLocalPath, multiplyAddsPerRow } from '../src/app/score-path.js';
import { CLI, flag, fmt, has, requireRealData, runProcess } from './common.js';

function flagText(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

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

const ENGINE_TRIALS = 3;
const ENGINE_MODELS = [
  { name: 'logistic', train: { model: 'logistic' as const } },
  { name: '2x10', train: { preset: '2x10' } },
  { name: '2x50', train: { preset: '2x50' } },
  { name: '3x50', train: { preset: '3x50' } },
];

/** Wall and CPU seconds of one `rebuy score --path PATH` process (CPU: user + system, from /usr/bin/time). */
async function scoreSeconds(model: string, input: string, output: string, path: 'sql' | 'onnx'): Promise<{ wall: number; cpu: number }> {
  const run = await runProcess('/usr/bin/time', ['-f', 'REBUY-TIME %U %S', process.execPath, CLI, 'score', '--model', model, '--in', input, '--out', output, '--path', path, '--json']);
  if (run.code !== 0) throw new Error(`rebuy score --path ${path} failed: ${run.stderr}`);
  const [user, system] = /REBUY-TIME ([\d.]+) ([\d.]+)/.exec(run.stderr)!.slice(1).map(Number);
  return { wall: run.seconds, cpu: user! + system! };
}

async function engineSection(rows: number): Promise<void> {
  const data = requireRealData();
  const dir = await mkdtemp(join(tmpdir(), 'rebuy-bench-engine-'));
  try {
    const input = join(dir, 'customers.csv');
    log(`rebuy score --path sql against --path onnx: ${rows.toLocaleString('en')} generated customers, CSV to CSV, ${ENGINE_TRIALS} runs each in turn, as fresh processes`);
    await writeFile(input, generateAudiobooksSample({ rows, seed: 7 }));
    const only = flagText('models')?.split(',');
    for (const { name, train } of ENGINE_MODELS.filter((m) => only === undefined || only.includes(m.name))) {
      const model = join(dir, name);
      await trainBundle({ data, out: model, ...train, network: { maxEpochs: 5 }, balance: 'random', split: [0.8, 0.1, 0.1], seed: 1, baseline: false, report: false });
      const onnx: { wall: number; cpu: number }[] = [];
      const sql: { wall: number; cpu: number }[] = [];
      for (let t = 0; t < ENGINE_TRIALS; t++) {
        onnx.push(await scoreSeconds(model, input, join(dir, 'onnx.csv'), 'onnx'));
        sql.push(await scoreSeconds(model, input, join(dir, 'sql.csv'), 'sql'));
      }
      const show = (runs: { wall: number; cpu: number }[]) =>
        `wall ${fmt(median(runs.map((r) => r.wall)), 2)} s (${runs.map((r) => fmt(r.wall, 2)).join(', ')}), CPU ${fmt(median(runs.map((r) => r.cpu)), 2)} s`;
      const ratio = (key: 'wall' | 'cpu') => median(sql.map((r) => r[key])) / median(onnx.map((r) => r[key]));
      const { manifest } = await loadBundle(model);
      const picked = chooseLocalPath(manifest, undefined, {});
      const faster = ratio('wall') < 1 ? 'sql' : 'onnx';
      log(`${name} (${multiplyAddsPerRow(manifest)} multiply-adds per row): --path onnx ${show(onnx)}; --path sql ${show(sql)}; SQL/ONNX wall ${fmt(ratio('wall'), 2)}, CPU ${fmt(ratio('cpu'), 2)}; default picks ${picked}${picked === faster ? ', the faster' : `, measured faster: ${faster}`}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!has('skip-compile')) await compileSection();
  if (!has('skip-engine')) await engineSection(flag('rows', 1_000_000));
}

async function compileSection(): Promise<void> {
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
