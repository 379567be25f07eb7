/** Swapping bundles while requests run: no request fails, old predictors close once idle. */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadPredictor } from '../../src/server/model-holder.js';
import type { ScoreFile } from '../../src/server/app.js';
import { scoreRows } from '../../src/predict/score-file.js';
import { fakePredictor, type FakePredictor } from './fakes.js';
import { makeApp } from './helpers.js';
import { realDeps } from './real.js';
import { AUDIOBOOKS_COLUMNS, EXAMPLE_CUSTOMER } from '../../src/domain/audiobooks.js';

const CUSTOMER = { ...EXAMPLE_CUSTOMER, id: '1' };
const FAKE_CSV = `${AUDIOBOOKS_COLUMNS.filter((c) => c !== 'target').join(',')}\n${Array.from({ length: 200 }, (_, i) => `${i},1620,1620,19.73,19.73,1,10,0.99,1603.8,5,92`).join('\n')}\n`;

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

interface Outcome {
  statuses: Map<number, number>;
  hashes: Set<string>;
  failures: string[];
}

/** Counts answers; `after(n)` resolves once `n` more have come in. */
function answerCounter() {
  let count = 0;
  const waiting: { at: number; resolve: () => void }[] = [];
  return {
    add(): void {
      count++;
      for (const w of waiting.filter((w) => w.at <= count)) w.resolve();
    },
    after(n: number): Promise<void> {
      const at = count + n;
      return new Promise((resolve) => waiting.push({ at, resolve }));
    },
  };
}

/** Clients sending predictions, batches and uploads in a loop until `stop` resolves. */
async function hammer(base: string, csv: string, clients: number, stop: Promise<void>, answered: () => void): Promise<Outcome> {
  let done = false;
  void stop.then(() => (done = true));
  const out: Outcome = { statuses: new Map(), hashes: new Set(), failures: [] };
  const record = (status: number, hash: string | null, body: string) => {
    out.statuses.set(status, (out.statuses.get(status) ?? 0) + 1);
    if (hash) out.hashes.add(hash);
    if (status !== 200) out.failures.push(`${status} ${body.slice(0, 200)}`);
    answered();
  };
  const requests = [
    () => fetch(`${base}/v1/predictions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(CUSTOMER) }),
    () => fetch(`${base}/v1/predictions?reasons=2`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customers: Array.from({ length: 50 }, () => CUSTOMER) }) }),
    () => fetch(`${base}/v1/scores`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv }),
  ];
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = c; !done; i++) {
        const res = await requests[i % requests.length]!();
        const body = await res.text();
        const hash = res.headers.get('x-rebuy-model') ?? (res.status === 200 && body.startsWith('{') ? (JSON.parse(body) as { model?: string }).model ?? null : null);
        record(res.status, hash, body);
      }
    }),
  );
  return out;
}

const CLIENTS = 8;
/** Answers between two swaps: more than the clients, so each bundle answers requests sent after it came in. */
const ANSWERS_BETWEEN_SWAPS = 2 * CLIENTS;

/** Swaps bundles `swaps` times while clients keep sending, paced by answers rather than by the clock. */
async function swapWhileBusy(load: LoadPredictor, scoreFile: ScoreFile, dirs: [string, string], csv: string, swaps: number) {
  ({ app } = await makeApp({ load, scoreFile, bundleDir: dirs[0], modelsRoot: dirname(dirs[0]), maxInFlight: 1000, maxConcurrentUploads: 100 }));
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  let release = (): void => undefined;
  const stop = new Promise<void>((r) => (release = r));
  const answers = answerCounter();
  const running = hammer(base, csv, CLIENTS, stop, answers.add);
  const reloads: number[] = [];
  for (let i = 0; i < swaps; i++) {
    await answers.after(ANSWERS_BETWEEN_SWAPS);
    const res = await app.inject({ method: 'POST', url: '/v1/model/reload', payload: { model: dirs[(i + 1) % 2] } });
    reloads.push(res.statusCode);
  }
  await answers.after(ANSWERS_BETWEEN_SWAPS);
  release();
  return { outcome: await running, reloads };
}

const realAvailable = await realDeps.available();

describe('reload under load', () => {
  it('fake bundles: every request answers 200 and replaced predictors close once idle', async () => {
    const made: FakePredictor[] = [];
    const load: LoadPredictor = async (dir) => {
      const p = fakePredictor({ hash: `${dir}-${made.length}`.padEnd(64, '0'), delayMs: 15, explain: true });
      made.push(p);
      return p;
    };
    const { outcome, reloads } = await swapWhileBusy(load, scoreRows, ['/bundles/a', '/bundles/b'], FAKE_CSV, 12);
    expect(outcome.failures).toEqual([]);
    expect(reloads.every((s) => s === 200)).toBe(true);
    // Every bundle loaded answered some request: 12 swaps, 13 predictors.
    expect(outcome.hashes.size).toBe(13);
    const total = [...outcome.statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(13 * ANSWERS_BETWEEN_SWAPS);
    // A request releases its predictor before its answer goes out, so all are released by now.
    expect(made.slice(0, -1).every((p) => p.closed && p.inFlight === 0)).toBe(true);
    expect(made.at(-1)!.closed).toBe(false);
  });

  it.skipIf(!realAvailable)('real bundles: every request answers 200 across swaps', async () => {
    const real = await realDeps.get();
    const csv = await readFile(real.sampleCsv, 'utf8');
    const { outcome, reloads } = await swapWhileBusy(real.loadPredictor, real.scoreFile, real.bundles, csv, 10);
    expect(outcome.failures).toEqual([]);
    expect(reloads.every((s) => s === 200)).toBe(true);
    expect(outcome.hashes.size).toBe(2);
  });
});
