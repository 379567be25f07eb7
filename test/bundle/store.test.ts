import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/bundle/load.js';
import { formatRef, hasRefShape, parseStoreRef, parseVersionRef } from '../../src/bundle/ref.js';
import { saveBundle } from '../../src/bundle/save.js';
import { fileStore, type ModelStore } from '../../src/bundle/store.js';
import { draftManifest } from './fixtures.js';

let work: string;
let bundles: string[];

/** A small valid bundle whose createdAt tells it apart. */
async function makeBundle(note: string): Promise<string> {
  const dir = join(work, 'bundles', note);
  await saveBundle(dir, draftManifest(note), new Map<string, Uint8Array | string>([['weights.bin', new Uint8Array(64).fill(note.length)], ['report.html', `<p>${note}</p>`]]));
  return dir;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rebuy-store-'));
  bundles = [await makeBundle('first'), await makeBundle('second'), await makeBundle('third'), await makeBundle('fourth')];
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let count = 0;
function newStore(): ModelStore {
  return fileStore(join(work, `store-${count++}`));
}

async function withVersions(store: ModelStore, name: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await store.register(name, bundles[i]!);
}

describe('references', () => {
  it('reads NAME/vN and NAME@ALIAS, and tells them from paths by their shape alone', () => {
    expect(parseStoreRef('churn/v3')).toEqual({ name: 'churn', version: 3 });
    expect(parseStoreRef('churn@champion')).toEqual({ name: 'churn', alias: 'champion' });
    expect(formatRef({ name: 'churn', version: 12 })).toBe('churn/v12');
    for (const ref of ['churn/v3', 'churn@champion', 'a.b_c-d/v1']) expect(hasRefShape(ref)).toBe(true);
    for (const path of ['./churn/v3', '../churn@x', '/abs/v1', 'rebuy-demo/model', 'a/b/v1', 'model', 'out/vfoo']) expect(hasRefShape(path)).toBe(false);
  });

  it.each([
    ['../x/v1', 'model reference'],
    ['x/../v1', 'model reference'],
    ['/etc/v1', 'model reference'],
    ['Churn/v1', 'model name'],
    ['my model@x', 'model name'],
    [`${'a'.repeat(65)}/v1`, 'model name'],
    ['churn/v0', 'model version'],
    ['churn/v01', 'model version'],
    ['churn@v2', 'alias'],
    ['churn@..', 'alias'],
  ])('refuses %j with exit 2 naming the value', (value, what) => {
    let thrown: unknown;
    try {
      parseStoreRef(value);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'USAGE', exitCode: 2 });
    expect((thrown as Error).message).toContain(what);
    expect((thrown as Error).message).toContain(JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value).slice(0, 20));
  });

  it('a command acting on one version takes only NAME/vN', () => {
    expect(() => parseVersionRef('churn@champion')).toThrow(/name one version/);
  });
});

describe('file store', () => {
  it('registers verified copies as v1, v2, … whose manifest hash is the source bundle\'s', async () => {
    const store = newStore();
    const first = await store.register('churn', bundles[0]!);
    const second = await store.register('churn', bundles[1]!, { alias: 'challenger' });
    expect([first.version, second.version]).toEqual([1, 2]);
    const [source, copy] = await Promise.all([loadBundle(bundles[1]!), loadBundle(second.dir)]);
    expect(copy.hash).toBe(source.hash);
    const listed = await store.list();
    expect(listed.map((v) => [v.name, v.version, v.aliases, v.manifest?.createdAt, v.hash])).toEqual([
      ['churn', 1, [], 'first', (await loadBundle(bundles[0]!)).hash],
      ['churn', 2, ['challenger'], 'second', source.hash],
    ]);
    expect(await store.resolve({ name: 'churn', alias: 'challenger' })).toMatchObject({ version: 2, alias: 'challenger', dir: second.dir });
  });

  it('refuses to register a bundle that fails verification, and adds nothing', async () => {
    const store = newStore();
    const bad = await makeBundle('altered');
    await appendFile(join(bad, 'weights.bin'), 'x');
    await expect(store.register('churn', bad)).rejects.toMatchObject({ code: 'BUNDLE_INVALID', message: expect.stringContaining('weights.bin was altered') });
    expect(await store.list()).toEqual([]);
  });

  it('promote moves an alias; rollback walks back the versions it pointed to, one at a time; every move is recorded', async () => {
    const store = newStore();
    await withVersions(store, 'churn', 3);
    await store.setAlias({ name: 'churn', version: 1 }, 'champion', { reason: 'first one' });
    await store.setAlias({ name: 'churn', version: 2 }, 'champion', { reason: 'better AUC' });
    await store.setAlias({ name: 'churn', version: 3 }, 'champion');
    await store.setAlias({ name: 'churn', version: 3 }, 'challenger');
    const back = await store.rollback({ name: 'churn', alias: 'champion' }, { reason: 'v3 misbehaves' });
    expect(back).toMatchObject({ alias: 'champion', from: 3, to: 2, action: 'rollback', reason: 'v3 misbehaves' });
    expect((await store.rollback({ name: 'churn', alias: 'champion' })).to).toBe(1);
    await expect(store.rollback({ name: 'churn', alias: 'champion' })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('no earlier version') });
    expect(await store.aliases('churn')).toEqual({ champion: 1, challenger: 3 });
    const history = await store.aliasHistory('churn');
    expect(history.map((m) => [m.alias, m.action, m.from, m.to, m.reason])).toEqual([
      ['champion', 'promote', null, 1, 'first one'],
      ['champion', 'promote', 1, 2, 'better AUC'],
      ['champion', 'promote', 2, 3, null],
      ['challenger', 'promote', null, 3, null],
      ['champion', 'rollback', 3, 2, 'v3 misbehaves'],
      ['champion', 'rollback', 2, 1, null],
    ]);
    expect(history.every((m) => !Number.isNaN(Date.parse(m.at)))).toBe(true);
  });

  it('after a rollback, a new promote is rolled back to where the rollback left the alias', async () => {
    const store = newStore();
    await withVersions(store, 'm', 3);
    for (const version of [1, 2]) await store.setAlias({ name: 'm', version }, 'champion');
    await store.rollback({ name: 'm', alias: 'champion' });
    await store.setAlias({ name: 'm', version: 3 }, 'champion');
    expect((await store.rollback({ name: 'm', alias: 'champion' })).to).toBe(1);
  });

  it('refuses to promote a version that fails verification; the alias stays where it was', async () => {
    const store = newStore();
    await withVersions(store, 'churn', 2);
    await store.setAlias({ name: 'churn', version: 1 }, 'champion');
    const v2 = await store.resolve({ name: 'churn', version: 2 });
    await writeFile(join(v2.dir, 'report.html'), '<p>tampered</p>');
    await expect(store.setAlias({ name: 'churn', version: 2 }, 'champion')).rejects.toMatchObject({
      code: 'BUNDLE_INVALID',
      message: expect.stringMatching(/churn\/v2 cannot be promoted: it fails verification.*report\.html was altered/),
    });
    expect(await store.aliases('churn')).toEqual({ champion: 1 });
  });

  it('delete refuses a version an alias points to, and a deleted number is never given again', async () => {
    const store = newStore();
    await withVersions(store, 'churn', 3);
    await store.setAlias({ name: 'churn', version: 2 }, 'champion');
    await expect(store.remove({ name: 'churn', version: 2 })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('churn@champion points to it') });
    await store.remove({ name: 'churn', version: 3 }, { reason: 'bad data' });
    expect((await store.list('churn')).map((v) => v.version)).toEqual([1, 2]);
    await expect(store.resolve({ name: 'churn', version: 3 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('deleted') });
    expect((await store.register('churn', bundles[3]!)).version).toBe(4);
    const dir = join(store.location, 'churn');
    expect((await readdir(dir)).sort()).toEqual(['state.json', 'v1', 'v2', 'v4']);
  });

  it('names what exists when a reference finds nothing', async () => {
    const store = newStore();
    await withVersions(store, 'churn', 2);
    await expect(store.resolve({ name: 'churn', version: 7 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('versions of churn: v1, v2') });
    await expect(store.resolve({ name: 'churn', alias: 'champion' })).rejects.toMatchObject({ message: expect.stringContaining('aliases: none') });
    await expect(store.resolve({ name: 'other', alias: 'champion' })).rejects.toMatchObject({ message: expect.stringContaining('no model named "other"') });
  });

  it('refuses names that would leave the store before touching the disk', async () => {
    const store = newStore();
    for (const name of ['..', '../escape', '/tmp/abs', 'a/b', '', 'x\0y']) {
      await expect(store.register(name, bundles[0]!)).rejects.toMatchObject({ code: 'USAGE', exitCode: 2 });
    }
    await expect(store.setAlias({ name: 'ok', version: 1 }, '../../x')).rejects.toMatchObject({ code: 'USAGE' });
    // A change of a model the store lacks makes nothing either.
    await expect(store.setAlias({ name: 'ok', version: 1 }, 'champion')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('no model named "ok"') });
    await expect(store.remove({ name: 'ok', version: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(existsSync(store.location)).toBe(false);
  });

  it('registers from many callers at once as distinct, whole versions', async () => {
    const store = newStore();
    const made = await Promise.all(Array.from({ length: 8 }, (_, i) => store.register('churn', bundles[i % bundles.length]!)));
    expect(made.map((m) => m.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const notes = await Promise.all(made.map(async (m) => (await loadBundle(m.dir)).manifest.createdAt));
    expect(notes.sort()).toEqual(['first', 'first', 'fourth', 'fourth', 'second', 'second', 'third', 'third']);
  });

  it('serializes promotes made at once: each move starts where the one before it ended', async () => {
    const store = newStore();
    await withVersions(store, 'churn', 4);
    await Promise.all([1, 2, 3, 4, 1, 2, 3, 4].map((version, i) => store.setAlias({ name: 'churn', version }, 'champion', { reason: `caller ${i}` }).catch(() => null)));
    const moves = await store.aliasHistory('churn');
    for (let i = 1; i < moves.length; i++) expect(moves[i]!.from).toBe(moves[i - 1]!.to);
    expect((await store.aliases('churn')).champion).toBe(moves.at(-1)!.to);
  });

  it('keeps monitoring runs beside the versions, oldest first', async () => {
    const store = newStore();
    await withVersions(store, 'churn', 2);
    await store.setAlias({ name: 'churn', version: 2 }, 'champion');
    const first = await store.recordMonitorRun({ name: 'churn', version: 1 }, { at: '2026-01-05T10:00:00.000Z', drift: 0.1 });
    const second = await store.recordMonitorRun({ name: 'churn', alias: 'champion' }, { at: '2026-01-12T10:00:00.000Z', drift: 0.4 });
    const same = await store.recordMonitorRun({ name: 'churn', alias: 'champion' }, { at: '2026-01-12T10:00:00.000Z', drift: 0.5 });
    expect(first.location).toMatch(/churn\/monitor\/20260105T100000000Z-v1\.json$/);
    expect(same.location).not.toBe(second.location);
    const history = await store.monitorHistory('churn');
    expect(history.map((r) => [r.version, r.at, r['drift'], r['alias']])).toEqual([
      [1, '2026-01-05T10:00:00.000Z', 0.1, null],
      [2, '2026-01-12T10:00:00.000Z', 0.4, 'champion'],
      [2, '2026-01-12T10:00:00.000Z', 0.5, 'champion'],
    ]);
    expect(JSON.parse(await readFile(second.location, 'utf8'))).toMatchObject({ name: 'churn', version: 2, drift: 0.4 });
  });

  it('tells a watcher when an alias moves', async () => {
    const store = newStore();
    await withVersions(store, 'churn', 2);
    await store.setAlias({ name: 'churn', version: 1 }, 'champion');
    let changes = 0;
    const stop = store.watchAliases('churn', () => changes++, { pollMs: 20 });
    try {
      await store.setAlias({ name: 'churn', version: 2 }, 'champion');
      await expect.poll(() => changes, { interval: 10, timeout: 10_000 }).toBeGreaterThan(0);
    } finally {
      stop();
    }
  });
});
