/**
 * Reasons for the web page's 1,000 customers: the time to explain the 1,000 most likely real
 * customers over every fact (exact group Shapley values through the Predictor), median over
 * repeated runs; in turn with the reference, one Predictor call on as many rows as the exact method
 * scores when no hybrid row is shared (every coalition against every background row).
 * Run alone: node dist/bench/explain.js [--runs N]; `npm run bench` runs it too.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { trainBundle } from '../src/app/train.js';
import { featureColumns, type FeatureColumns } from '../src/core/table.js';
import { readTable } from '../src/data/read.js';
import { median } from '../src/evaluate/stats.js';
import { explainerFor } from '../src/explain/explainer.js';
import { loadPredictor } from '../src/predict/predictor.js';
import { fmt, flag, requireRealData } from './common.js';

const log = (line: string): boolean => process.stderr.write(`${line}\n`);
const CUSTOMERS = 1000;

/** `rows` rows cycling through `columns`' rows. */
function repeatRows(columns: FeatureColumns, rows: number): FeatureColumns {
  const numeric = new Map<string, Float64Array>();
  for (const [name, values] of columns.numeric) numeric.set(name, Float64Array.from({ length: rows }, (_, i) => values[i % columns.nRows]!));
  const categorical = new Map<string, (string | null)[]>();
  for (const [name, values] of columns.categorical) categorical.set(name, Array.from({ length: rows }, (_, i) => values[i % columns.nRows] ?? null));
  return { nRows: rows, numeric, categorical };
}

export async function explainSection(runs: number): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'rebuy-bench-explain-'));
  try {
    log(`explain: training the 2x50 network on the real data, then explaining its ${CUSTOMERS.toLocaleString('en')} most likely customers × ${runs} runs`);
    const model = join(dir, 'model');
    await trainBundle({ data: requireRealData(), out: model, preset: '2x50', balance: 'random', split: [0.8, 0.1, 0.1], seed: 0, baseline: false });
    const predictor = await loadPredictor(model, { threads: 2 });
    try {
      const table = await readTable(requireRealData());
      const all = await predictor.predictColumns(featureColumns(table));
      const best = Int32Array.from(all.keys()).sort((a, b) => all[b]! - all[a]! || a - b).subarray(0, CUSTOMERS);
      const customers = featureColumns(table, best);
      const explainer = explainerFor(predictor);
      const { groups, rowsPerCustomer, reference } = await explainer.explainer();
      const unshared = repeatRows(customers, CUSTOMERS * rowsPerCustomer);
      const explainSeconds: number[] = [];
      const unsharedSeconds: number[] = [];
      await explainer.explainColumns(customers, 3);
      for (let r = 0; r < runs; r++) {
        let started = performance.now();
        await explainer.explainColumns(customers, 3);
        explainSeconds.push((performance.now() - started) / 1000);
        started = performance.now();
        await predictor.predictColumns(unshared);
        unsharedSeconds.push((performance.now() - started) / 1000);
        log(`   [${r + 1}/${runs}] explain ${fmt(explainSeconds.at(-1)!, 3)} s, unshared rows scored ${fmt(unsharedSeconds.at(-1)!, 3)} s`);
      }
      const result = {
        customers: CUSTOMERS,
        groups: groups.map((g) => g.name),
        backgroundRows: reference.customers,
        rowsPerCustomerUnshared: rowsPerCustomer,
        medianExplainSeconds: median(explainSeconds),
        medianUnsharedScoringSeconds: median(unsharedSeconds),
        ratio: median(explainSeconds) / median(unsharedSeconds),
      };
      console.log(`\nReasons for the ${CUSTOMERS.toLocaleString('en')} most likely real customers, ${groups.length} facts (${groups.map((g) => g.name).join(', ')}), ${reference.customers} background rows, median of ${runs} runs:`);
      console.log(`  explain (exact group Shapley, through the Predictor):  ${fmt(result.medianExplainSeconds, 3)} s   (target ≤ 1 s)`);
      console.log(`  reference, scoring the ${(CUSTOMERS * rowsPerCustomer).toLocaleString('en')} rows of every coalition unshared, in one call: ${fmt(result.medianUnsharedScoringSeconds, 3)} s`);
      console.log(`  ratio explain / reference: ${fmt(result.ratio, 2)}`);
      return result;
    } finally {
      await predictor.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await explainSection(flag('runs', 7));
