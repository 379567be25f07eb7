/**
 * npm run bench:registry — how long a promote takes to reach the clients of `rebuy serve --model
 * NAME@champion`, under load (a script, not a test). Two 2x50 bundles are trained on the real data
 * and registered; a server follows churn@champion while --clients clients post single predictions.
 * Each of --swaps rounds, in turn:
 *   1. alias swap: promote the other version, then poll GET /v1/model until it answers (promote,
 *      watch, load and check, swap);
 *   2. reference: load and check the same bundle directly in a second model holder (the swap's own
 *      work, without the store or the watch).
 * Reports medians of both and their ratio, the promote alone, and the requests answered and failed
 * during the rounds. Flags: --swaps N (10), --clients N (4), --json.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBundle } from '../src/app/train.js';
import { fileStore } from '../src/bundle/store.js';
import { runServe } from '../src/cli/serve.js';
import { loadPredictor } from '../src/predict/predictor.js';
import { createModelHolder } from '../src/server/model-holder.js';
import { flag, has, requireRealData } from './common.js';

const log = (line: string): boolean => process.stderr.write(`${line}\n`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const data = requireRealData();
  const swaps = flag('swaps', 10);
  const clients = flag('clients', 4);
  const work = await mkdtemp(join(tmpdir(), 'rebuy-bench-registry-'));
  try {
    const store = fileStore(join(work, 'store'));
    for (const seed of [1, 2]) {
      log(`training a 2x50 bundle (seed ${seed})…`);
      const out = join(work, `model-${seed}`);
      await trainBundle({ data, out, preset: '2x50', balance: 'random', split: [0.8, 0.1, 0.1], seed, report: false });
      await store.register('churn', out);
    }
    await store.setAlias({ name: 'churn', version: 1 }, 'champion');
    const [header, first] = (await readFile(data, 'utf8')).split('\n', 2).map((line) => line.trim().split(','));
    const customer = Object.fromEntries(header!.map((name, i) => [name, first![i]!]).filter(([name]) => !/^target(s)?$/i.test(name!)));
    const server = await runServe({ model: 'churn@champion', store: store.location, port: 0, rateLimit: 0, logLevel: 'error' }, { signals: false, log: () => undefined });
    const reference = createModelHolder((dir) => loadPredictor(dir, { threads: 1 }));
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let stop = false;
    const client = async (): Promise<void> => {
      while (!stop) {
        const started = performance.now();
        const res = await fetch(`${server.url}/v1/predictions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(customer) }).catch(() => null);
        await res?.arrayBuffer();
        latencies.push(performance.now() - started);
        statuses.set(res?.status ?? 0, (statuses.get(res?.status ?? 0) ?? 0) + 1);
      }
    };
    const running = Array.from({ length: clients }, client);
    const servingVersion = async (): Promise<number | null> =>
      ((await (await fetch(`${server.url}/v1/model`)).json()) as { registry: { version: number } | null }).registry?.version ?? null;
    const swapMs: number[] = [];
    const promoteMs: number[] = [];
    const loadMs: number[] = [];
    for (let round = 0; round < swaps; round++) {
      const target = round % 2 === 0 ? 2 : 1;
      const started = performance.now();
      await store.setAlias({ name: 'churn', version: target }, 'champion');
      promoteMs.push(performance.now() - started);
      while ((await servingVersion()) !== target) await new Promise((r) => setTimeout(r, 2));
      swapMs.push(performance.now() - started);
      const dir = (await store.resolve({ name: 'churn', version: target })).dir;
      const loadStarted = performance.now();
      await reference.load(dir);
      loadMs.push(performance.now() - loadStarted);
      log(`round ${round + 1}/${swaps}: swap ${swapMs.at(-1)!.toFixed(0)} ms (promote ${promoteMs.at(-1)!.toFixed(0)} ms), direct load ${loadMs.at(-1)!.toFixed(0)} ms`);
    }
    stop = true;
    await Promise.all(running);
    await reference.close();
    await server.close();
    const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
    const result = {
      swaps,
      clients,
      medianSwapMs: median(swapMs),
      medianPromoteMs: median(promoteMs),
      medianDirectLoadMs: median(loadMs),
      swapOverDirectLoad: median(swapMs) / median(loadMs),
      requests: answered,
      failedRequests: answered - (statuses.get(200) ?? 0),
      requestP50Ms: quantile(latencies, 0.5),
      requestP99Ms: quantile(latencies, 0.99),
    };
    if (has('json')) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      process.stdout.write(
        [
          `alias swap under load (${clients} clients, ${swaps} promotes, medians): promote → answering ${result.medianSwapMs.toFixed(0)} ms ` +
            `(the promote itself ${result.medianPromoteMs.toFixed(0)} ms); loading the same bundle directly ${result.medianDirectLoadMs.toFixed(0)} ms; ratio ${result.swapOverDirectLoad.toFixed(2)}`,
          `requests during the swaps: ${answered}, failed ${result.failedRequests}; latency p50 ${result.requestP50Ms.toFixed(1)} ms, p99 ${result.requestP99Ms.toFixed(1)} ms`,
        ].join('\n') + '\n',
      );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
