/**
 * SIGKILL, SIGTERM and SIGINT during bundle saves and during `score`'s output write, at states the
 * test waits for (a temporary on disk, a rename reached), never after a guessed time: what is left is
 * the old or the new whole, never half; the next run leaves no debris.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/bundle/load.js';
import { generateAudiobooksSample } from '../../src/data/sample.js';
import { draftManifest } from '../bundle/fixtures.js';
import { CLI } from '../helpers/paths.js';

const DIST = resolve('dist');
const PAUSE = ['--import', resolve('test/adversarial/fixtures/pause-rename.mjs')];
const SAVER = resolve('test/adversarial/fixtures/save-bundle.mjs');
const KILLS = 20;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rebuy-kill-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  stderr: () => string;
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function start(args: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) =>
    child.once('close', (code, signal) => done({ code, signal, stderr })),
  );
  return { child, ended, stderr: () => stderr };
}

/** Polls until `ready()` holds or the child has ended (the poll count bounded too); true if `ready()` held. */
async function waitFor(started: Started, ready: () => boolean): Promise<boolean> {
  let ended = false;
  void started.ended.then(() => (ended = true));
  for (let i = 0; i < 100_000 && !ended; i++) {
    if (ready()) return true;
    await new Promise((r) => setTimeout(r, 1));
  }
  return ready();
}

const listing = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();

describe('bundle saves killed at every step', () => {
  const draft = join(tmpdir(), `rebuy-kill-draft-${process.pid}.json`);
  const states = ['writing', 'before the swap', 'between the renames', 'after the swap'] as const;
  const pauseAt: Record<(typeof states)[number], string> = {
    writing: '',
    'before the swap': 'before:\\.previous$',
    'between the renames': 'after:\\.previous$',
    'after the swap': 'after:/model$',
  };

  beforeAll(async () => {
    await writeFile(draft, JSON.stringify(draftManifest('draft')));
  });
  afterAll(async () => {
    await rm(draft, { force: true });
  });

  const runSave = (dir: string, note: string, env: NodeJS.ProcessEnv = {}): Started => start([...PAUSE, SAVER, DIST, dir, draft, note], env);

  it(`SIGKILL ${KILLS}×: the bundle is the old or the new one whole, report included; the next save leaves only the bundle`, async () => {
    const where = join(root, 'saves');
    await mkdir(where);
    const dir = join(where, 'model');
    expect((await runSave(dir, 'v0').ended).code).toBe(0);
    let killedMidWrite = 0;
    for (let i = 1; i <= KILLS; i++) {
      const state = states[i % states.length]!;
      const marker = join(root, `save-paused-${i}`);
      const old = (await loadBundle(dir)).manifest.createdAt;
      const started = runSave(dir, `v${i}`, { REBUY_PAUSE_AT: pauseAt[state], REBUY_PAUSE_MARKER: marker });
      const reached = await waitFor(started, () =>
        state === 'writing' ? readdirSafe(where).some((f) => f.startsWith('.model.partial-') && readdirSafe(join(where, f)).length > 0) : existsSync(marker),
      );
      if (state !== 'writing') expect(reached, `${state}: ${started.stderr()}`).toBe(true);
      if (state === 'writing' && reached) killedMidWrite++;
      started.child.kill('SIGKILL');
      await started.ended;

      if (state === 'between the renames') {
        // The one state a SIGKILL can leave without DIR: the old bundle whole beside it.
        expect(existsSync(dir)).toBe(false);
        expect((await loadBundle(`${dir}.previous`)).manifest.createdAt).toBe(old);
      } else {
        const loaded = await loadBundle(dir);
        expect([old, `v${i}`]).toContain(loaded.manifest.createdAt);
        expect((await loaded.readVerified('report.html')).toString()).toBe(`<p>${loaded.manifest.createdAt}</p>`);
      }
      const next = await runSave(dir, `w${i}`).ended;
      expect(next.code, next.stderr).toBe(0);
      expect((await loadBundle(dir)).manifest.createdAt).toBe(`w${i}`);
      expect(await listing(where)).toEqual(['model']);
    }
    expect(killedMidWrite).toBeGreaterThan(0);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s between the renames: the old bundle is put back and nothing else is left', async (signal) => {
    const where = join(root, `saves-${signal}`);
    await mkdir(where);
    const dir = join(where, 'model');
    expect((await runSave(dir, 'old').ended).code).toBe(0);
    const marker = join(root, `save-${signal}`);
    // The CLI installs the signal cleanup; this process is the library alone, so it installs it as the CLI does.
    const started = start(
      [...PAUSE, '--import', resolve('test/adversarial/fixtures/cli-signals.mjs'), SAVER, DIST, dir, draft, 'new'],
      { REBUY_PAUSE_AT: pauseAt['between the renames'], REBUY_PAUSE_MARKER: marker, REBUY_DIST: DIST },
    );
    expect(await waitFor(started, () => existsSync(marker)), started.stderr()).toBe(true);
    started.child.kill(signal);
    const ended = await started.ended;
    expect(ended.signal).toBe(signal);
    expect((await loadBundle(dir)).manifest.createdAt).toBe('old');
    expect(await listing(where)).toEqual(['model']);
  });
});

/** The directory's entries now (synchronous: the poll must see the directory as it is at this instant). */
function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

describe("score's output killed at every step", () => {
  let model: string;
  let input: string;
  let spill: string;
  let fresh: string;

  beforeAll(async () => {
    model = join(root, 'model');
    input = join(root, 'customers.csv');
    spill = join(root, 'spill');
    await mkdir(spill);
    await writeFile(input, generateAudiobooksSample({ rows: 30_000, seed: 5 }));
    const trained = spawnSync(process.execPath, [CLI, 'train', '--data', input, '--out', model, '--preset', '2x10', '--epochs', '2', '--no-baseline'], {
      encoding: 'utf8',
    });
    expect(trained.status, trained.stderr).toBe(0);
  });

  const score = (out: string, env: NodeJS.ProcessEnv = {}): Started =>
    start([...PAUSE, CLI, 'score', '--model', model, '--in', input, '--out', out], { TMPDIR: spill, ...env });

  it(`SIGKILL ${KILLS}×: the scores file is the old or the new one whole; the next run leaves no temporary file and no spill directory`, async () => {
    const where = join(root, 'scores');
    await mkdir(where);
    const out = join(where, 'out.csv');
    expect((await score(out).ended).code).toBe(0);
    const full = await readFile(out, 'utf8');
    const states = ['writing', 'before the rename', 'after the rename'] as const;
    const pauseAt = { writing: '', 'before the rename': 'before:/out\\.csv$', 'after the rename': 'after:/out\\.csv$' };
    for (let i = 1; i <= KILLS; i++) {
      const state = states[i % states.length]!;
      await writeFile(out, 'old\n');
      const marker = join(root, `score-paused-${i}`);
      const started = score(out, { REBUY_PAUSE_AT: pauseAt[state], REBUY_PAUSE_MARKER: marker });
      // A kill mid-write when the poll sees the temporary file; the write may also finish first.
      const reached = await waitFor(started, () =>
        state === 'writing' ? readdirSafe(where).some((f) => f.startsWith('.out.tmp-')) : existsSync(marker),
      );
      if (state !== 'writing') expect(reached, `${state}: ${started.stderr()}`).toBe(true);
      started.child.kill('SIGKILL');
      await started.ended;
      expect(['old\n', full]).toContain(await readFile(out, 'utf8'));

      const next = await score(out).ended;
      expect(next.code, next.stderr).toBe(0);
      expect(await readFile(out, 'utf8')).toBe(full);
      expect(await listing(where)).toEqual(['out.csv']);
      expect(await listing(spill)).toEqual([]);
    }
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s before the rename: the command removes its temporaries and ends by the signal', async (signal) => {
    const where = join(root, `scores-${signal}`);
    await mkdir(where);
    const out = join(where, 'out.csv');
    await writeFile(out, 'old\n');
    const marker = join(root, `score-${signal}`);
    const started = score(out, { REBUY_PAUSE_AT: 'before:/out\\.csv$', REBUY_PAUSE_MARKER: marker });
    expect(await waitFor(started, () => existsSync(marker)), started.stderr()).toBe(true);
    started.child.kill(signal);
    const ended = await started.ended;
    expect(ended.signal).toBe(signal);
    expect(await readFile(out, 'utf8')).toBe('old\n');
    expect(await listing(where)).toEqual(['out.csv']);
    expect(await listing(spill)).toEqual([]);
  });
});
