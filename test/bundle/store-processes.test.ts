/**
 * The store across processes: promotes SIGKILLed at the rename that moves the alias (just before it,
 * just after it), registers and promotes from several processes at once. Kills land at states the
 * test waits for (pause-at.mjs stops the process there), never after a guessed time.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/bundle/load.js';
import { saveBundle } from '../../src/bundle/save.js';
import { fileStore } from '../../src/bundle/store.js';
import { draftManifest } from './fixtures.js';

const DIST = resolve('dist');
const PAUSE = ['--import', resolve('test/adversarial/fixtures/pause-at.mjs')];
const OP = resolve('test/bundle/fixtures/store-op.mjs');
const KILLS = 50;

let work: string;
let bundles: string[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rebuy-store-proc-'));
  bundles = [];
  for (const note of ['one', 'two', 'three']) {
    const dir = join(work, 'bundles', note);
    await saveBundle(dir, draftManifest(note), new Map<string, Uint8Array | string>([['weights.bin', new Uint8Array(1 << 16).fill(note.length)]]));
    bundles.push(dir);
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runOp(root: string, args: string[], env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): { pid: number; ended: Promise<Ended>; kill: () => void } {
  const child = spawn(process.execPath, [...nodeArgs, OP, DIST, root, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ended = new Promise<Ended>((done) => child.once('close', (code, signal) => done({ code, signal, stdout, stderr })));
  return { pid: child.pid!, ended, kill: () => child.kill('SIGKILL') };
}

async function waitForFile(path: string, ended: Promise<Ended>): Promise<boolean> {
  let done = false;
  void ended.then(() => (done = true));
  for (let i = 0; i < 200_000 && !done; i++) {
    if (existsSync(path)) return true;
    await new Promise((r) => setTimeout(r, 1));
  }
  return existsSync(path);
}

describe('store changes across processes', () => {
  it(`a promote SIGKILLed ${KILLS}× just before or just after the alias moves leaves the old or the new version, with its record; the next change cleans up`, async () => {
    const root = join(work, 'kills');
    const store = fileStore(root);
    for (const dir of bundles) await store.register('churn', dir);
    await store.setAlias({ name: 'churn', version: 1 }, 'champion');
    for (let i = 0; i < KILLS; i++) {
      const before = (await store.aliases('churn')).champion!;
      const target = (before % 3) + 1;
      const when = i % 2 === 0 ? 'before' : 'after';
      const marker = join(work, `paused-${i}`);
      const op = runOp(root, ['promote', 'churn', String(target), 'champion'], { REBUY_PAUSE_AT: `${when}:/state\\.json$`, REBUY_PAUSE_MARKER: marker }, PAUSE);
      const paused = await waitForFile(marker, op.ended);
      if (!paused) throw new Error(`the promote ended before its pause: ${JSON.stringify(await op.ended)}`);
      const movesBefore = (await store.aliasHistory('churn')).length;
      op.kill();
      expect((await op.ended).signal).toBe('SIGKILL');
      const now = await store.resolve({ name: 'churn', alias: 'champion' });
      expect(now.version).toBe(when === 'before' ? before : target);
      const bundle = await loadBundle(now.dir);
      expect(bundle.manifest.createdAt).toBe(['one', 'two', 'three'][now.version - 1]);
      const moves = await store.aliasHistory('churn');
      expect(moves).toHaveLength(movesBefore);
      expect(moves.at(-1)!.to).toBe(now.version);
    }
    // The killed process's lock and temporaries go with the next change.
    const last = await store.setAlias({ name: 'churn', version: ((await store.aliases('churn')).champion! % 3) + 1 }, 'champion', { reason: 'after the kills' });
    expect(last.reason).toBe('after the kills');
    expect((await readdir(join(root, 'churn'))).sort()).toEqual(['state.json', 'v1', 'v2', 'v3']);
    const moves = await store.aliasHistory('churn');
    expect(moves).toHaveLength(1 + KILLS / 2 + 1);
    for (let i = 1; i < moves.length; i++) expect(moves[i]!.from).toBe(moves[i - 1]!.to);
  });

  it('registers from six processes at once as six distinct, whole versions', async () => {
    const root = join(work, 'registers');
    const ops = Array.from({ length: 6 }, (_, i) => runOp(root, ['register', 'churn', bundles[i % 3]!]));
    const ended = await Promise.all(ops.map((o) => o.ended));
    for (const e of ended) expect(e).toMatchObject({ code: 0 });
    expect(ended.map((e) => Number(e.stdout)).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    const store = fileStore(root);
    for (const v of await store.list('churn')) await expect(loadBundle(v.dir)).resolves.toBeTruthy();
  });

  it('serializes promotes from six processes at once: no move is lost, each starts where the one before ended', async () => {
    const root = join(work, 'promotes');
    const store = fileStore(root);
    for (const dir of bundles) await store.register('churn', dir);
    const targets = [1, 2, 3, 2, 3, 1];
    const ended = await Promise.all(targets.map((v) => runOp(root, ['promote', 'churn', String(v), 'champion']).ended));
    const succeeded = ended.filter((e) => e.code === 0).length;
    // A promote to the version the alias already has is refused (exit 2); every other one is a move.
    for (const e of ended) expect(e.code === 0 || /already points to/.test(e.stderr)).toBe(true);
    const moves = await store.aliasHistory('churn');
    expect(moves).toHaveLength(succeeded);
    expect(moves[0]!.from).toBeNull();
    for (let i = 1; i < moves.length; i++) expect(moves[i]!.from).toBe(moves[i - 1]!.to);
    const state = JSON.parse(await readFile(join(root, 'churn', 'state.json'), 'utf8')) as { aliases: Record<string, number> };
    expect(state.aliases.champion).toBe(moves.at(-1)!.to);
  });
});
