/**
 * Where rebuy writes. What an output path may be (a regular file, reached through symlinks; never a
 * directory, a device or a FIFO; `-` for standard output), temporaries named so that a later write
 * can tell its own stale ones from live ones, and the cleanups a signal runs before the process ends.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { access, constants, lstat, mkdir, open, readdir, readlink, rename, rm, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { isDiskFullMessage, isRebuyError, isSystemFailure, outputError, systemError } from '../errors.js';
import { LEGACY_TEMPORARY_MAX_AGE_MS } from '../config.js';

/** The output name that means standard output. */
export const STDOUT = '-';

// ---------------------------------------------------------------------------------------------
// Cleanups a signal runs

const cleanups = new Set<() => void>();

/**
 * Registers a synchronous cleanup (remove a temporary, put a bundle back) to run if a signal ends
 * the process before the work is done; returns the function that unregisters it.
 */
export function onInterrupt(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => void cleanups.delete(cleanup);
}

/** Runs every registered cleanup once (the CLI's signal handler calls it); a failing one does not stop the rest. */
export function runInterruptCleanups(): void {
  const pending = [...cleanups];
  cleanups.clear();
  for (const cleanup of pending) {
    try {
      cleanup();
    } catch {
      // The process is ending; the next write to the same place sweeps what is left.
    }
  }
}

/** Removes a file or directory tree now, whatever it is; for cleanups. */
export function removeSync(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/**
 * A new private directory for DuckDB to spill into (instances sharing one corrupt each other's files),
 * named by this process: `remove` deletes it, an interrupt does too, and a later run deletes it if this
 * process was killed. In `parent`, the system's temp directory by default.
 */
export async function createSpillDirectory(parent = tmpdir()): Promise<{ path: string; remove: () => void }> {
  await sweepStale(parent, SPILL_PATTERN);
  const path = join(parent, `rebuy-spill-${temporaryTag()}`);
  await mkdir(path, { mode: 0o700 });
  const forget = onInterrupt(() => removeSync(path));
  return {
    path,
    remove: () => {
      forget();
      removeSync(path);
    },
  };
}

/** Runs `work` with a spill directory of its own (createSpillDirectory), removed afterwards. */
export async function withSpillDirectory<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await createSpillDirectory();
  try {
    return await work(dir.path);
  } finally {
    dir.remove();
  }
}

// ---------------------------------------------------------------------------------------------
// Temporaries named by their owner: `<host>-<pid>-<random>`

let hostTagCache: string | null = null;
/** This machine, in 8 hex digits: a PID means something only on the machine that made it. */
function hostTag(): string {
  hostTagCache ??= createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
  return hostTagCache;
}

/** A fresh tag naming this process as the owner of a temporary. */
export function temporaryTag(): string {
  return `${hostTag()}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** The longest tag: 8 + 1 + 10 (a 32-bit PID) + 1 + 12. Names are cut to fit it, whatever the PID. */
const MAX_TAG_LENGTH = 32;
const TAG_PATTERN = '([0-9a-f]{8})-([0-9]+)-[0-9a-f]{12}';
/** Spill directories, with those of versions that named them after `rebuy score` alone. */
const SPILL_PATTERN = new RegExp(`^rebuy-(?:spill|score)-${TAG_PATTERN}$`);
/** The tag of earlier versions: 12 random hex digits, no owner (see LEGACY_TEMPORARY_MAX_AGE_MS). */
const LEGACY_TAG_PATTERN = '[0-9a-f]{12}';
/** The longest file name most file systems take, in bytes. */
const NAME_MAX = 255;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `text` cut (by whole characters) to at most `bytes` bytes of UTF-8. */
function cutToBytes(text: string, bytes: number): string {
  let cut = text;
  while (Buffer.byteLength(cut) > bytes) cut = cut.slice(0, -1);
  return cut;
}

/**
 * The temporary-name scheme for a target: `.<stem>.<kind>-<tag><ext>` beside it, the stem cut so the
 * name stays a legal file name however long the target's is. `pattern` matches this scheme's names
 * (groups: host tag, PID) and the owner-less names earlier versions gave (no groups).
 */
export function temporaryNaming(target: string, kind: string, ext = ''): { name: (tag: string) => string; pattern: RegExp } {
  const keptExt = Buffer.byteLength(ext) <= 32 ? ext : '';
  const fixed = 1 + 1 + kind.length + 1 + MAX_TAG_LENGTH + Buffer.byteLength(keptExt);
  const base = basename(target);
  const stem = cutToBytes(keptExt !== '' && base.endsWith(keptExt) ? base.slice(0, -keptExt.length) : base, NAME_MAX - fixed);
  return {
    name: (tag) => `.${stem}.${kind}-${tag}${keptExt}`,
    pattern: new RegExp(`^\\.${escapeRegExp(stem)}\\.${escapeRegExp(kind)}-(?:${TAG_PATTERN}|${LEGACY_TAG_PATTERN})${escapeRegExp(keptExt)}$`),
  };
}

/** Whether the process that made a temporary is gone (on this machine, not this process). */
function ownerIsGone(host: string, pid: number): boolean {
  if (host !== hostTag() || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Whether an owner-less temporary has gone untouched for LEGACY_TEMPORARY_MAX_AGE_MS: no write that old is still running. */
async function untouchedForLong(path: string): Promise<boolean> {
  const st = await lstat(path).catch(() => null);
  return st !== null && Date.now() - st.mtimeMs > LEGACY_TEMPORARY_MAX_AGE_MS;
}

/** Whether the process a temporaryTag() names is gone (on this machine, not this process). */
export function tagOwnerIsGone(tag: string): boolean {
  const match = new RegExp(`^${TAG_PATTERN}$`).exec(tag);
  return match !== null && ownerIsGone(match[1]!, Number(match[2]));
}

/**
 * Removes the temporaries in `dir` whose names match `pattern` and that no write still uses: what a
 * killed write left. A name with an owner (groups: host tag, PID) goes once that process is gone;
 * live ones and other machines' stay. A name without one (earlier versions) goes once it is older
 * than LEGACY_TEMPORARY_MAX_AGE_MS.
 */
export async function sweepStale(dir: string, pattern: RegExp): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const match = pattern.exec(name);
    if (match === null) continue;
    const path = join(dir, name);
    const stale = match[1] === undefined ? await untouchedForLong(path) : ownerIsGone(match[1], Number(match[2]));
    if (stale) await rm(path, { recursive: true, force: true }).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// Output paths

/** Symlinks followed before giving up, as the kernel does (MAXSYMLINKS). */
const MAX_SYMLINK_HOPS = 40;

/** What a file system entry is, in words for a message. */
export function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'a regular file';
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/**
 * A symlink in a sticky, world-writable directory (/tmp) that someone else planted: following it
 * would let them choose what rebuy overwrites. The kernel refuses the same (protected_symlinks);
 * rebuy resolves links itself, so it checks for itself.
 */
async function refusePlantedSymlink(given: string, link: string, linkStat: Stats): Promise<void> {
  const uid = process.getuid?.();
  if (uid === undefined) return;
  const parent = await stat(dirname(link));
  const shared = (parent.mode & 0o1000) !== 0 && (parent.mode & 0o002) !== 0;
  if (shared && linkStat.uid !== uid && linkStat.uid !== parent.uid) {
    throw outputError(given, `${link} is a symbolic link owned by another user in a shared directory; refusing to follow it`);
  }
}

/**
 * The path a write to `given` lands on: `given` itself, or the end of its chain of symlinks (which may
 * not exist yet: a dangling link is written through, as a shell's `>` does).
 */
export async function followOutputPath(given: string): Promise<string> {
  let path = given;
  for (let hops = 0; ; hops++) {
    let st: Stats;
    try {
      st = await lstat(path);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return path;
      throw systemError(given, err);
    }
    if (!st.isSymbolicLink()) return path;
    if (hops >= MAX_SYMLINK_HOPS) throw systemError(given, Object.assign(new Error('ELOOP'), { code: 'ELOOP' }));
    await refusePlantedSymlink(given, path, st);
    const target = await readlink(path);
    path = isAbsolute(target) ? target : join(dirname(path), target);
  }
}

/** `dir` exists, is a directory, and this process may create files in it; else exit 2 naming it. */
export async function checkWritableDirectory(given: string, dir: string): Promise<void> {
  let st: Stats;
  try {
    st = await stat(dir);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') throw outputError(given, `the directory ${dir} does not exist`);
    if (errnoOf(err) === 'ENOTDIR') throw outputError(given, `${dir} is not a directory`);
    throw systemError(dir, err);
  }
  if (!st.isDirectory()) throw outputError(given, `${dir} is not a directory`);
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw outputError(given, `cannot create files in ${systemError(dir, err).message}`, err);
  }
}

export interface OutputFile {
  /** Where the data lands: the given path, or the file its symlinks lead to. */
  path: string;
  /** Permission bits of the file it replaces (kept), or null for a new file. */
  mode: number | null;
}

/**
 * Checks an output file path before anything is written: a regular file or nothing (reached through
 * symlinks, which stay), never a directory, a device, a FIFO or a socket, in a directory that exists
 * and takes new files. Every refusal is exit 2 naming the path.
 */
export async function resolveOutputFile(given: string): Promise<OutputFile> {
  if (given === '') throw outputError('""', 'an empty file name');
  // The kernel's view first: /dev/stdout and its like lead through links no path can follow.
  const seen = await stat(given).catch((err: unknown) => {
    if (errnoOf(err) === 'ENOENT') return null;
    if (errnoOf(err) === 'ENOTDIR') throw outputError(given, 'a part of the path is not a directory');
    throw systemError(given, err);
  });
  if (seen?.isDirectory()) throw outputError(given, 'it is a directory (name a file)');
  if (seen && !seen.isFile()) {
    throw outputError(given, `it is ${kindOf(seen)}; rebuy replaces only regular files (use - for standard output)`);
  }
  const target = await followOutputPath(given);
  await checkWritableDirectory(given, dirname(target));
  return { path: target, mode: seen ? seen.mode & 0o777 : null };
}

/**
 * A directory that several output files go into (made, with its parents, when missing): never
 * standard output, never a file, device or FIFO, and writable; else exit 2 naming it.
 */
export async function prepareOutputDirectory(given: string): Promise<string> {
  if (given === STDOUT) throw outputError(given, 'several files are written: name a directory (standard output cannot hold them)');
  if (given === '') throw outputError('""', 'an empty directory name');
  const dir = await followOutputPath(given);
  const seen = await stat(dir).catch((err: unknown) => {
    if (errnoOf(err) === 'ENOENT') return null;
    throw systemError(given, err);
  });
  if (seen !== null && !seen.isDirectory()) throw outputError(given, `it is ${kindOf(seen)}, not a directory`);
  if (seen === null) {
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw errnoOf(err) === 'EEXIST' || errnoOf(err) === 'ENOTDIR'
        ? outputError(given, 'a part of the path is a file, not a directory')
        : systemError(given, err);
    }
  }
  await checkWritableDirectory(given, dir);
  return dir;
}

/** Flushes a directory's entries (a rename in it) to disk; file systems that cannot are left as they are. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself has happened.
  } finally {
    await handle?.close();
  }
}

/**
 * Puts the complete directory `tmp` in place of `dir` (its sibling) by two renames: `dir` moves aside to
 * `dir<previousSuffix>`, `tmp` takes its name, the old one is removed. A failure or a signal between the
 * renames puts the old directory back.
 */
export async function swapDirectory(tmp: string, dir: string, previousSuffix: string): Promise<void> {
  const previous = `${dir}${previousSuffix}`;
  await rm(previous, { recursive: true, force: true });
  let moved = false;
  // A signal between the two renames puts the previous directory back before the process ends. (The
  // previous copy was removed above, so one there now is the one this swap moved aside.)
  const restore = onInterrupt(() => {
    if (!existsSync(dir) && existsSync(previous)) renameSync(previous, dir);
  });
  try {
    try {
      await rename(dir, previous);
      moved = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await rename(tmp, dir);
  } catch (err) {
    if (moved) await rename(previous, dir).catch(() => {});
    throw err;
  } finally {
    restore();
  }
  await syncDirectory(dirname(dir));
  await rm(previous, { recursive: true, force: true });
}

/**
 * Where a directory of rebuy's output goes, checked before any work: nothing, an empty directory or
 * one that `isOurs` recognises (an earlier output of the same kind) is replaced; anything else (a
 * file, a directory of other files) is refused, exit 2 naming it. Reached through symlinks.
 */
export async function checkReplaceableDirectory(given: string, what: string, isOurs: (names: readonly string[]) => boolean): Promise<string> {
  if (given === STDOUT || given === '') throw outputError(given || '""', `${what} is a directory: name one (standard output cannot hold it)`);
  const target = await followOutputPath(given);
  const names = await readdir(target).catch((err: unknown) => {
    if (errnoOf(err) === 'ENOENT') return null;
    if (errnoOf(err) === 'ENOTDIR') throw outputError(given, `it is a file, not ${what}`);
    throw systemError(given, err);
  });
  if (names !== null && names.length > 0 && !isOurs(names)) {
    throw outputError(given, `the directory holds files that are not ${what} (${JSON.stringify(names[0])} …); rebuy replaces only ${what} (name a new or empty directory)`);
  }
  await checkWritableDirectory(given, dirname(target));
  return target;
}

/**
 * Writes a directory atomically: `fill` makes the complete directory at a temporary path beside
 * `target` (checked by checkReplaceableDirectory), which then replaces `target` by rename. A failure
 * or a signal before that leaves `target` as it was and no temporary behind.
 */
export async function replaceDirectory(given: string, target: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const parent = dirname(target);
  const naming = temporaryNaming(target, 'partial');
  await sweepStale(parent, naming.pattern);
  const tmp = join(parent, naming.name(temporaryTag()));
  const forget = onInterrupt(() => removeSync(tmp));
  try {
    await fill(tmp);
    await syncDirectory(tmp);
    await swapDirectory(tmp, target, '.previous');
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw writeFailure(given, err);
  } finally {
    forget();
  }
}

/**
 * A write's failure in the user's terms: the machine's refusals (no space, permission, …) become
 * exit 2 naming the path; our own errors pass through unchanged.
 */
export function writeFailure(given: string, err: unknown): unknown {
  if (isRebuyError(err)) return err;
  if (isDiskFullMessage(err)) return systemError(given, Object.assign(new Error('ENOSPC'), { code: 'ENOSPC', cause: err }));
  return isSystemFailure(err) ? systemError(given, err) : err;
}

// ---------------------------------------------------------------------------------------------
// Standard output

const STDOUT_NAME = 'standard output';

/**
 * Writes chunks to standard output in order, waiting for each (so memory stays bounded); a refusal
 * (a full disk, a reader that went away) is exit 2 naming standard output.
 */
export async function writeToStdout(chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>): Promise<void> {
  const out = process.stdout;
  let failure: unknown = null;
  const onError = (err: unknown): void => {
    failure ??= err;
  };
  out.on('error', onError);
  try {
    for await (const chunk of chunks) {
      await new Promise<void>((resolve, reject) => {
        try {
          out.write(chunk, (err) => (err ? reject(err) : resolve()));
        } catch (err) {
          reject(err);
        }
      });
      if (failure !== null) throw failure;
    }
  } catch (err) {
    throw isRebuyError(err) ? err : systemError(STDOUT_NAME, failure ?? err);
  } finally {
    out.off('error', onError);
  }
}
