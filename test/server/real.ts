/**
 * The real loadPredictor and scoreFile over small bundles trained once per test run (on a synthetic
 * Audiobooks-like table) and shared by the test files through a directory keyed by the run.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScoreFile } from '../../src/server/app.js';
import type { LoadPredictor } from '../../src/server/model-holder.js';
import { SHARED_DATA } from '../helpers/paths.js';

export interface RealDeps {
  loadPredictor: LoadPredictor;
  scoreFile: ScoreFile;
  /** Two bundles trained with different seeds: different hashes and scores. */
  bundles: [string, string];
  /** A customer table with the Audiobooks header, for uploads. */
  sampleCsv: string;
}

const RUN_DIR = join(tmpdir(), `rebuy-server-tests-${process.ppid}`);

/** A deterministic Audiobooks-like table; buyers listen more and complete more. */
export function syntheticAudiobooks(rows: number, seed: number): string {
  let state = seed >>> 0 || 1;
  const rand = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const lines = ['id,book_length_overall,book_length_avg,price_overall,price_avg,review,review_score,completion,minutes_listened,support_requests,last_visit_days,target'];
  for (let i = 0; i < rows; i++) {
    const books = 1 + Math.floor(rand() * 3);
    const length = [540, 1080, 1620, 2160][Math.floor(rand() * 4)]!;
    const price = Math.round((5 + rand() * 15) * 100) / 100;
    const review = rand() < 0.2 ? 1 : 0;
    const score = review ? 1 + Math.floor(rand() * 10) : 8.91;
    const completion = Math.round(rand() ** 2 * 100) / 100;
    const support = rand() < 0.1 ? Math.floor(rand() * 5) : 0;
    const lastVisit = Math.floor(rand() * 400);
    const z = -2.2 + 3 * completion + 0.4 * review + 0.3 * support - 0.002 * lastVisit + (rand() - 0.5);
    const target = rand() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    lines.push(
      [1000 + i, length, length * books, price, Math.round(price * books * 100) / 100, review, score, completion, Math.round(completion * length * books * 10) / 10, support, lastVisit, target].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

async function trainOnce(name: string, seed: number, data: string): Promise<string> {
  const dir = join(RUN_DIR, name);
  if (existsSync(join(dir, 'manifest.json'))) return dir;
  const { trainBundle } = await import('../../src/app/train.js');
  const work = await mkdtemp(join(RUN_DIR, `${name}-`));
  await trainBundle({
    data,
    out: join(work, 'bundle'),
    balance: 'random',
    split: [0.8, 0.1, 0.1],
    seed,
    network: { hidden: [8], maxEpochs: 6 },
    baseline: false,
    synthetic: true,
  });
  // Another test file may have finished first: then keep its bundle.
  await rename(join(work, 'bundle'), dir).catch(() => undefined);
  await rm(work, { recursive: true, force: true });
  return dir;
}

let pending: Promise<RealDeps> | null = null;

/** Removes the bundles of earlier test runs (their runner process is gone). */
async function removeStale(): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    const pid = Number(/^rebuy-server-tests-(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.ppid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      await rm(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

async function build(): Promise<RealDeps> {
  await removeStale();
  await mkdir(RUN_DIR, { recursive: true });
  const data = join(RUN_DIR, 'train.csv');
  if (!existsSync(data)) await writeFile(data, syntheticAudiobooks(1500, 7));
  const sampleCsv = join(RUN_DIR, 'sample.csv');
  if (!existsSync(sampleCsv)) await writeFile(sampleCsv, syntheticAudiobooks(300, 11));
  const a = await trainOnce('bundle-a', 1, data);
  const b = await trainOnce('bundle-b', 2, data);
  const { loadPredictor } = await import('../../src/predict/predictor.js');
  const { scoreRows } = await import('../../src/predict/score-file.js');
  return {
    loadPredictor: (dir) => loadPredictor(dir, { threads: 1 }),
    scoreFile: scoreRows,
    bundles: [a, b],
    sampleCsv,
  };
}

export const realDeps = {
  /** Whether the real modules load (they are written in parallel with these tests). */
  async available(): Promise<boolean> {
    try {
      await import('../../src/predict/score-file.js');
      await import('../../src/predict/predictor.js');
      await import('../../src/app/train.js');
      return true;
    } catch (err) {
      console.warn(`real-bundle server tests skipped: ${(err as Error).message}`);
      return false;
    }
  },
  get(): Promise<RealDeps> {
    pending ??= build();
    return pending;
  },
};

/** Hillstrom customers the uplift bundle learns from (the first rows: both e-mails and no e-mail). */
const UPLIFT_TRAIN_ROWS = 6000;
/** Customers of the list the uplift tests score: rows the bundle never saw. */
const UPLIFT_LIST_ROWS = 400;

export interface UpliftDeps {
  bundle: string;
  /** Hillstrom rows the bundle did not learn from, as uploaded: all columns, the outcomes too. */
  listCsv: string;
}

let upliftPending: Promise<UpliftDeps> | null = null;

/**
 * An uplift bundle on the first Hillstrom rows (outcome `visit`, two e-mails against none, logistic
 * learners), trained once per run like the bundles above; null without the real data.
 */
export function upliftDeps(): Promise<UpliftDeps> | null {
  const hillstrom = join(SHARED_DATA, 'hillstrom.csv');
  if (!existsSync(hillstrom)) return null;
  upliftPending ??= (async () => {
    await mkdir(RUN_DIR, { recursive: true });
    const lines = (await readFile(hillstrom, 'utf8')).trimEnd().split('\n');
    const data = join(RUN_DIR, 'hillstrom-train.csv');
    const listCsv = join(RUN_DIR, 'hillstrom-list.csv');
    if (!existsSync(data)) await writeFile(data, `${lines.slice(0, UPLIFT_TRAIN_ROWS + 1).join('\n')}\n`);
    if (!existsSync(listCsv)) await writeFile(listCsv, `${[lines[0], ...lines.slice(UPLIFT_TRAIN_ROWS + 1, UPLIFT_TRAIN_ROWS + 1 + UPLIFT_LIST_ROWS)].join('\n')}\n`);
    const dir = join(RUN_DIR, 'uplift');
    if (!existsSync(join(dir, 'manifest.json'))) {
      const { trainUpliftBundle } = await import('../../src/app/uplift.js');
      const work = await mkdtemp(join(RUN_DIR, 'uplift-'));
      await trainUpliftBundle({ data, target: 'visit', treatment: 'segment', control: 'No E-Mail', ignore: ['conversion', 'spend'], out: join(work, 'bundle'), seed: 3, folds: 2, learners: 'logistic' });
      await rename(join(work, 'bundle'), dir).catch(() => undefined);
      await rm(work, { recursive: true, force: true });
    }
    return { bundle: dir, listCsv };
  })();
  return upliftPending;
}
