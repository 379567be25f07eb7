/**
 * `rebuy serve --model NAME@ALIAS` follows the alias: each promote swaps the new version in while
 * requests keep arriving, and none of them fails. Counts are asserted, never timings.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileStore, type ModelStore } from '../../src/bundle/store.js';
import { runServe, type RunningServer } from '../../src/cli/serve.js';
import { createModelHolder } from '../../src/server/model-holder.js';
import { followAlias } from '../../src/server/alias-follower.js';
import { fakePredictor } from './fakes.js';
import { realDeps, type RealDeps } from './real.js';

const available = await realDeps.available();

let work: string;
let real: RealDeps;
let store: ModelStore;
let customers: Record<string, string>[];
const lines: string[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rebuy-serve-alias-'));
  if (!available) return;
  real = await realDeps.get();
  store = fileStore(join(work, 'store'));
  // v1 and v3 are the same bundle (same hash): only the registry tells them apart.
  for (const dir of [real.bundles[0], real.bundles[1], real.bundles[0]]) await store.register('churn', dir);
  await store.setAlias({ name: 'churn', version: 1 }, 'champion', { reason: 'start' });
  const [header, ...rows] = (await readFile(real.sampleCsv, 'utf8')).trim().split('\n');
  const names = header!.split(',');
  customers = rows.slice(0, 5).map((row) => Object.fromEntries(row.split(',').map((v, i) => [names[i]!, v]).filter(([k]) => k !== 'target')));
}, 300_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function servingVersion(server: RunningServer): Promise<{ name: string; version: number; alias: string | null } | null> {
  const res = await fetch(`${server.url}/v1/model`);
  return ((await res.json()) as { registry: { name: string; version: number; alias: string | null } | null }).registry;
}

describe.skipIf(!available)('serving a stored model', () => {
  it('follows NAME@ALIAS through four promotes under load: every request answered, by the old version or the new one', async () => {
    const server = await runServe(
      { model: 'churn@champion', store: join(work, 'store'), port: 0 },
      { loadPredictor: real.loadPredictor, scoreFile: real.scoreFile, env: {}, signals: false, log: (l) => lines.push(l), aliasPollMs: 25 },
    );
    try {
      expect(await servingVersion(server)).toEqual({ name: 'churn', version: 1, alias: 'champion' });
      let stop = false;
      const statuses = new Map<number, number>();
      const answeredBy = new Map<string, number>();
      const failures: string[] = [];
      const worker = async (): Promise<void> => {
        while (!stop) {
          try {
            const res = await fetch(`${server.url}/v1/predictions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customers }) });
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            const body = (await res.json()) as { model?: string; predictions?: unknown[] };
            if (res.status !== 200 || body.predictions?.length !== customers.length) failures.push(`${res.status} ${JSON.stringify(body).slice(0, 200)}`);
            else answeredBy.set(body.model!, (answeredBy.get(body.model!) ?? 0) + 1);
          } catch (err) {
            failures.push(String(err));
          }
        }
      };
      const workers = Array.from({ length: 8 }, worker);
      const answered = (): number => [...statuses.values()].reduce((a, b) => a + b, 0);
      for (const version of [2, 3, 2, 1]) {
        const before = answered();
        await store.setAlias({ name: 'churn', version }, 'champion', { reason: `to v${version}` });
        await expect.poll(() => servingVersion(server), { interval: 20, timeout: 120_000 }).toEqual({ name: 'churn', version, alias: 'champion' });
        // Requests kept arriving across the swap and after it.
        const after = answered();
        await expect.poll(() => answered() - after, { interval: 10, timeout: 60_000 }).toBeGreaterThanOrEqual(8);
        expect(after).toBeGreaterThan(before);
      }
      stop = true;
      await Promise.all(workers);
      expect(failures).toEqual([]);
      expect([...statuses.keys()]).toEqual([200]);
      // Both bundles answered (v1 and v3 share one hash).
      expect(answeredBy.size).toBe(2);
      expect(lines.filter((l) => /churn@champion moved: now serving churn\/v\d \(churn@champion\)/.test(l))).toHaveLength(4);
    } finally {
      await server.close();
    }
  }, 300_000);

  it('serves NAME/vN as that version and does not move with an alias', async () => {
    const server = await runServe(
      { model: 'churn/v2', store: join(work, 'store'), port: 0 },
      { loadPredictor: real.loadPredictor, scoreFile: real.scoreFile, env: {}, signals: false, log: () => undefined },
    );
    try {
      expect(await servingVersion(server)).toEqual({ name: 'churn', version: 2, alias: null });
    } finally {
      await server.close();
    }
  }, 120_000);

  it('refuses to start on a reference the store does not have, naming what it has', async () => {
    await expect(runServe({ model: 'churn@nobody', store: join(work, 'store'), port: 0 }, { env: {}, signals: false, log: () => undefined })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('aliases: churn@champion'),
    });
  });
});

describe('reloading a server that follows an alias', () => {
  it('a reload (SIGHUP, POST /v1/model/reload) resolves the alias again', async () => {
    const root = join(work, 'reload-store');
    const small = fileStore(root);
    const { saveBundle } = await import('../../src/bundle/save.js');
    const { draftManifest } = await import('../bundle/fixtures.js');
    for (const note of ['one', 'two']) {
      await saveBundle(join(work, `small-${note}`), draftManifest(note), new Map<string, Uint8Array | string>([['w.bin', note]]));
      await small.register('m', join(work, `small-${note}`));
    }
    await small.setAlias({ name: 'm', version: 1 }, 'live');
    const server = await runServe(
      { model: 'm@live', store: root, port: 0 },
      { loadPredictor: async (dir) => fakePredictor({ hash: dir }), env: {}, signals: false, log: () => undefined, aliasPollMs: 60_000 },
    );
    try {
      expect(server.models.origin).toEqual({ name: 'm', version: 1, alias: 'live' });
      await small.setAlias({ name: 'm', version: 2 }, 'live');
      await server.reload();
      expect(server.models.origin).toEqual({ name: 'm', version: 2, alias: 'live' });
      expect(server.models.current!.bundleHash).toBe(join(root, 'm', 'v2'));
      const res = await fetch(`${server.url}/v1/model/reload`, { method: 'POST' });
      expect(res.status).toBe(200);
      expect(server.models.origin).toEqual({ name: 'm', version: 2, alias: 'live' });
    } finally {
      await server.close();
    }
  });
});

describe('following an alias in the model holder', () => {
  it('swaps only when the source names another directory, and stops following once a directory is loaded by name', async () => {
    let target = 'v1';
    const loaded: string[] = [];
    const models = createModelHolder(
      async (dir) => {
        loaded.push(dir);
        return fakePredictor({ hash: dir });
      },
      { source: async () => ({ dir: target, origin: { name: 'm', version: Number(target.slice(1)), alias: 'champion' } }) },
    );
    await models.load();
    expect(await models.follow()).toBeNull();
    target = 'v2';
    expect((await models.follow())?.bundleHash).toBe('v2');
    expect(models.origin).toEqual({ name: 'm', version: 2, alias: 'champion' });
    await models.load('elsewhere');
    expect(models.origin).toBeNull();
    target = 'v3';
    expect(await models.follow()).toBeNull();
    expect(loaded).toEqual(['v1', 'v2', 'elsewhere']);
  });

  it('takes changes that arrive during a swap after it, once', async () => {
    let onChange = (): void => undefined;
    let follows = 0;
    const models = createModelHolder(async (dir) => fakePredictor({ hash: dir }), { source: async () => ({ dir: `v${++follows}`, origin: null }) });
    await models.load();
    const swapped: string[] = [];
    const stop = followAlias(models, (cb) => ((onChange = cb), () => undefined), { onSwap: (hash) => swapped.push(hash) });
    for (let i = 0; i < 5; i++) onChange();
    await expect.poll(() => swapped.length, { interval: 5, timeout: 10_000 }).toBe(2);
    stop();
    // The first change ran; the four during it became one more.
    expect(swapped).toEqual(['v2', 'v3']);
  });
});
