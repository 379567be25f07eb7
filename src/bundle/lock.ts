/**
 * A lock file for the changes of one model in a store (register, promote, rollback, delete), so two
 * of them at once run one after the other. The lock is created whole with its owner's tag (host and
 * PID) by link(), which fails when the file exists; a lock whose process is gone (killed) is broken
 * at once rather than after a timeout, which is why this is not an mtime-based lock library.
 */
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RebuyError } from '../errors.js';
import { onInterrupt, removeSync, sweepStale, tagOwnerIsGone, temporaryNaming, temporaryTag } from '../data/fs.js';

export interface LockOptions {
  /** Give up after this long behind a live owner (a stuck process must not hang every command). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_POLL_MS = 50;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

async function readTag(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if (errno(err) === 'ENOENT') return null;
    throw err;
  }
}

/** Creates `path` holding `tag`, whole, or returns false when it exists. */
async function tryCreate(path: string, tag: string): Promise<boolean> {
  const naming = temporaryNaming(path, 'new');
  const staged = join(dirname(path), naming.name(tag));
  await writeFile(staged, `${tag}\n`, { flag: 'wx' });
  try {
    await link(staged, path);
    return true;
  } catch (err) {
    if (errno(err) === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(staged, { force: true });
  }
}

/**
 * Moves a dead owner's lock aside. The lock is renamed to a name of ours first and read there: if it
 * turns out to be a live owner's (taken between our read and the rename), it is linked back.
 */
async function breakDeadLock(path: string, deadTag: string, tag: string): Promise<void> {
  const aside = join(dirname(path), temporaryNaming(path, 'stale').name(tag));
  try {
    await rename(path, aside);
  } catch (err) {
    if (errno(err) === 'ENOENT') return;
    throw err;
  }
  const moved = await readTag(aside);
  if (moved !== deadTag) await link(aside, path).catch(() => undefined);
  await rm(aside, { force: true });
}

/** Runs `body` holding the lock file `path`; the lock goes when it is done, or on a signal. */
export async function withLock<T>(path: string, body: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const tag = temporaryTag();
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  for (const kind of ['new', 'stale']) await sweepStale(dirname(path), temporaryNaming(path, kind).pattern);
  let pause = 1;
  while (!(await tryCreate(path, tag))) {
    const owner = await readTag(path);
    if (owner !== null && tagOwnerIsGone(owner)) {
      await breakDeadLock(path, owner, tag);
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new RebuyError('SYSTEM', `${path}: locked by another rebuy process (${owner ?? 'unknown'}) for longer than ${Math.round(timeoutMs / 1000)} s`, { file: path });
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(MAX_POLL_MS, pause * 2);
  }
  const forget = onInterrupt(() => removeSync(path));
  try {
    return await body();
  } finally {
    forget();
    if ((await readTag(path)) === tag) await rm(path, { force: true });
  }
}
