/**
 * SIGKILL, SIGTERM and SIGINT during bundle saves and during `score`'s output write, each at a state
 * the killed process stops in (a number of bytes written, a chunk of rows scored, a statement run, a
 * rename reached), never after a guessed time: what is left is the old or the new whole, never half;
 * the next write to the same place leaves no debris. Each kill is a small job in a fresh process; the
 * next write runs in this process (the same library code the CLI calls), so fifty of each stay quick.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/bundle/load.js';
import { saveBundle } from '../../src/bundle/save.js';
import { generateAudiobooksSample } from '../../src/data/sample.js';
import { loadPredictor } from '../../src/predict/predictor.js';
import { scoreFile } from '../../src/predict/score-file.js';
import type { Predictor } from '../../src/predict/types.js';
import { draftManifest } from '../bundle/fixtures.js';
import { CLI } from '../helpers/paths.js';

const DIST = resolve('dist');
const PAUSE = ['--import', resolve('test/adversarial/fixtures/pause-at.mjs')];
const SAVER = resolve('test/adversarial/fixtures/save-bundle.mjs');
/** Kills per case, as the issue asks. */
const KILLS = 50;
// Fifty processes in a row: the bound only stops a hung run, so it must hold on a heavily loaded machine.
const KILL_SUITE_TIMEOUT_MS = 900_000;

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

/** Waits until the child has stopped at its pause point (its marker file is there) or has ended; true if it stopped there. */
async function paused(started: Started, marker: string): Promise<boolean> {
  let ended = false;
  void started.ended.then(() => (ended = true));
  while (!ended && !existsSync(marker)) await new Promise((r) => setTimeout(r, 2));
  return existsSync(marker);
}

/** SIGKILL, and wait until the process is gone (its temporaries are then a dead process's). */
async function kill(started: Started): Promise<void> {
  started.child.kill('SIGKILL');
  const ended = await started.ended;
  expect(ended.signal).toBe('SIGKILL');
}

const listing = async (dir: string): Promise<string[]> => (await readdir(dir)).sort();

/** The directory's entries now, or none if it is not there. */
function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

describe('bundle saves killed at every step', () => {
  const draft = join(tmpdir(), `rebuy-kill-draft-${process.pid}.json`);
  /** Small weights: a kill costs a process start, not a write of megabytes. */
  const WEIGHT_BYTES = 64 * 1024;
  const renameStates = {
    'before the swap': 'before:\\.previous$',
    'between the renames': 'after:\\.previous$',
    'after the swap': 'after:/model$',
  } as const;
  type State = keyof typeof renameStates | 'writing';
  /** Two of five kills mid-write, the others at each rename in turn. */
  const stateOf = (i: number): State => (['writing', 'before the swap', 'writing', 'between the renames', 'after the swap'] as const)[i % 5]!;
  /** Where a mid-write kill lands: spread over both weight files by a fixed stride, the same every run. */
  const bytesAt = (i: number): number => 1 + ((i * 40_503) % (2 * WEIGHT_BYTES));

  beforeAll(async () => {
    await writeFile(draft, JSON.stringify(draftManifest('draft')));
  });
  afterAll(async () => {
    await rm(draft, { force: true });
  });

  const runSave = (dir: string, note: string, env: NodeJS.ProcessEnv = {}): Started =>
    start([...PAUSE, SAVER, DIST, dir, draft, note, String(WEIGHT_BYTES)], env);
  /** A save as the CLI makes one, in this process; its report names it, as the saver's does. */
  const saveHere = (dir: string, note: string): Promise<unknown> =>
    saveBundle(dir, { ...draftManifest(note) }, new Map([['report.html', `<p>${note}</p>`]]));

  it(`SIGKILL ${KILLS}×: the bundle is the old or the new one whole, report included; the next save leaves only the bundle`, async () => {
    const where = join(root, 'saves');
    await mkdir(where);
    const dir = join(where, 'model');
    await saveHere(dir, 'v0');
    for (let i = 1; i <= KILLS; i++) {
      const state = stateOf(i);
      const marker = join(root, `save-paused-${i}`);
      const old = (await loadBundle(dir)).manifest.createdAt;
      const pauseAt = state === 'writing' ? `bytes:${bytesAt(i)}` : renameStates[state];
      const started = runSave(dir, `v${i}`, { REBUY_PAUSE_AT: pauseAt, REBUY_PAUSE_MARKER: marker });
      expect(await paused(started, marker), `${state}: ${started.stderr()}`).toBe(true);
      const partials = entries(where).filter((f) => f.startsWith('.model.partial-'));
      if (state === 'writing') {
        // Stopped exactly N bytes into the bundle's files.
        expect(partials).toHaveLength(1);
        const inside = entries(join(where, partials[0]!));
        expect(inside.reduce((sum, f) => sum + statSync(join(where, partials[0]!, f)).size, 0)).toBe(bytesAt(i));
      }
      await kill(started);

      if (state === 'between the renames') {
        // The one state a SIGKILL can leave without DIR: the old bundle whole beside it.
        expect(existsSync(dir)).toBe(false);
        expect((await loadBundle(`${dir}.previous`)).manifest.createdAt).toBe(old);
      } else {
        const loaded = await loadBundle(dir);
        expect(loaded.manifest.createdAt).toBe(state === 'after the swap' ? `v${i}` : old);
        expect((await loaded.readVerified('report.html')).toString()).toBe(`<p>${loaded.manifest.createdAt}</p>`);
      }
      await saveHere(dir, `w${i}`);
      expect((await loadBundle(dir)).manifest.createdAt).toBe(`w${i}`);
      expect(await listing(where)).toEqual(['model']);
    }
  }, KILL_SUITE_TIMEOUT_MS);

  it.each(['SIGTERM', 'SIGINT'] as const)('%s between the renames: the old bundle is put back and nothing else is left', async (signal) => {
    const where = join(root, `saves-${signal}`);
    await mkdir(where);
    const dir = join(where, 'model');
    await saveHere(dir, 'old');
    const marker = join(root, `save-${signal}`);
    // The CLI installs the signal cleanup; this process is the library alone, so it installs it as the CLI does.
    const started = start(
      [...PAUSE, '--import', resolve('test/adversarial/fixtures/cli-signals.mjs'), SAVER, DIST, dir, draft, 'new', String(WEIGHT_BYTES)],
      { REBUY_PAUSE_AT: renameStates['between the renames'], REBUY_PAUSE_MARKER: marker, REBUY_DIST: DIST },
    );
    expect(await paused(started, marker), started.stderr()).toBe(true);
    started.child.kill(signal);
    const ended = await started.ended;
    expect(ended.signal).toBe(signal);
    expect((await loadBundle(dir)).manifest.createdAt).toBe('old');
    expect(await listing(where)).toEqual(['model']);
  });
});

describe("score's output killed at every step", () => {
  /** 12,000 rows: six chunks of 2,048 appended to DuckDB, each a place to stop. */
  const ROWS = 12_000;
  const CHUNKS = Math.ceil(ROWS / 2048);
  let model: string;
  let input: string;
  let spill: string;
  let predictor: Predictor;

  /** The steps of a score run, in order; a kill at each leaves a different set of temporaries. */
  const steps = [
    ...Array.from({ length: CHUNKS }, (_, k) => ({ name: `scoring chunk ${k + 1}`, pauseAt: `append:${k + 1}`, renamed: false, output: false })),
    { name: 'before writing', pauseAt: 'sql-before:^COPY', renamed: false, output: false },
    { name: 'written, not renamed', pauseAt: 'sql-after:^COPY', renamed: false, output: true },
    { name: 'before the rename', pauseAt: 'before:/out\\.csv$', renamed: false, output: true },
    { name: 'after the rename', pauseAt: 'after:/out\\.csv$', renamed: true, output: false },
  ];

  beforeAll(async () => {
    model = join(root, 'model');
    input = join(root, 'customers.csv');
    spill = join(root, 'spill');
    await mkdir(spill);
    await writeFile(input, generateAudiobooksSample({ rows: ROWS, seed: 5 }));
    const trained = spawnSync(process.execPath, [CLI, 'train', '--data', input, '--out', model, '--preset', '2x10', '--epochs', '2', '--no-baseline'], {
      encoding: 'utf8',
    });
    expect(trained.status, trained.stderr).toBe(0);
    predictor = await loadPredictor(model);
  });
  afterAll(async () => {
    await predictor?.close();
  });

  const score = (out: string, env: NodeJS.ProcessEnv = {}): Started =>
    start([...PAUSE, CLI, 'score', '--model', model, '--in', input, '--out', out], { TMPDIR: spill, ...env });

  it(`SIGKILL ${KILLS}×: the scores file is the old or the new one whole; the next run leaves no temporary file and no spill directory`, async () => {
    const where = join(root, 'scores');
    await mkdir(where);
    const out = join(where, 'out.csv');
    const first = await score(out).ended;
    expect(first.code, first.stderr).toBe(0);
    const full = await readFile(out, 'utf8');
    expect(full.split('\n')).toHaveLength(ROWS + 2);
    for (let i = 0; i < KILLS; i++) {
      const step = steps[i % steps.length]!;
      await writeFile(out, 'old\n');
      const marker = join(root, `score-paused-${i}`);
      const started = score(out, { REBUY_PAUSE_AT: step.pauseAt, REBUY_PAUSE_MARKER: marker });
      expect(await paused(started, marker), `${step.name}: ${started.stderr()}`).toBe(true);
      // What the kill leaves for the next run to sweep: the spill directory, and the output's temporary once written.
      expect(entries(spill).filter((f) => f.startsWith('rebuy-spill-')), step.name).toHaveLength(1);
      expect(entries(where).filter((f) => f.startsWith('.out.tmp-')), step.name).toHaveLength(step.output ? 1 : 0);
      await kill(started);
      expect(await readFile(out, 'utf8'), step.name).toBe(step.renamed ? full : 'old\n');

      await scoreFile(predictor, input, out, { tempDir: spill });
      expect(await readFile(out, 'utf8')).toBe(full);
      expect(await listing(where)).toEqual(['out.csv']);
      expect(await listing(spill)).toEqual([]);
    }
  }, KILL_SUITE_TIMEOUT_MS);

  it.each(['SIGTERM', 'SIGINT'] as const)('%s before the rename: the command removes its temporaries and ends by the signal', async (signal) => {
    const where = join(root, `scores-${signal}`);
    await mkdir(where);
    const out = join(where, 'out.csv');
    await writeFile(out, 'old\n');
    const marker = join(root, `score-${signal}`);
    const started = score(out, { REBUY_PAUSE_AT: 'before:/out\\.csv$', REBUY_PAUSE_MARKER: marker });
    expect(await paused(started, marker), started.stderr()).toBe(true);
    started.child.kill(signal);
    const ended = await started.ended;
    expect(ended.signal).toBe(signal);
    expect(await readFile(out, 'utf8')).toBe('old\n');
    expect(await listing(where)).toEqual(['out.csv']);
    expect(await listing(spill)).toEqual([]);
  });
});
