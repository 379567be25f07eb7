import { existsSync, statSync } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { outputError, systemError } from '../errors.js';
import {
  checkWritableDirectory,
  followOutputPath,
  kindOf,
  onInterrupt,
  removeSync,
  STDOUT,
  sweepStale,
  swapDirectory,
  syncDirectory,
  temporaryNaming,
  temporaryTag,
  writeFailure,
} from '../data/fs.js';
import { manifestJson, type Manifest, type ManifestDraft } from './manifest.js';
import { sha256 } from './hash.js';
import { MANIFEST_FILE, MANIFEST_HASH_FILE, PREVIOUS_SUFFIX } from './layout.js';

export type BundleFiles = ReadonlyMap<string, Uint8Array | string>;

/** Writes a new file (never over an existing one) and flushes it to disk before returning. */
export async function writeDurably(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes new files into `dir` one after another, then flushes them to disk all at once: the disk
 * commits the flushes together instead of one per file. Every handle is closed before returning.
 */
async function writeAllDurably(dir: string, contents: Iterable<[string, Uint8Array | string]>): Promise<void> {
  const handles: FileHandle[] = [];
  try {
    for (const [name, data] of contents) {
      const handle = await open(join(dir, name), 'wx');
      handles.push(handle);
      await handle.writeFile(data);
    }
    await Promise.all(handles.map((handle) => handle.sync()));
  } finally {
    await Promise.allSettled(handles.map((handle) => handle.close()));
  }
}

function assertPlainName(name: string): void {
  if (name !== basename(name) || name.startsWith('.') || name === MANIFEST_FILE || name === MANIFEST_HASH_FILE) {
    throw new Error(`invalid bundle file name ${JSON.stringify(name)}`);
  }
}

async function lstatOrNull(given: string, path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw systemError(given, err);
  }
}

/** The temporary directories a save of `dir` makes beside it. */
function partialNaming(dir: string): ReturnType<typeof temporaryNaming> {
  return temporaryNaming(dir, 'partial');
}

/**
 * Where a bundle saved to `given` goes, checked before any work: the directory itself or, through
 * symlinks, the one they lead to (the links stay). Only a model bundle, an empty directory or nothing
 * is replaced: anything else there (a directory of other files, a file, a device) is refused, exit 2.
 * Missing parent directories are made.
 */
export async function checkBundleTarget(given: string): Promise<string> {
  if (given === STDOUT) throw outputError(given, 'a model bundle is a directory; name one (standard output cannot hold it)');
  if (given === '') throw outputError('""', 'an empty directory name');
  const dir = await followOutputPath(given);
  const st = await lstatOrNull(given, dir);
  if (st === null) {
    try {
      await mkdir(dirname(dir), { recursive: true });
    } catch (err) {
      throw writeFailure(dirname(dir), err);
    }
  } else if (!st.isDirectory()) {
    throw outputError(given, `it is ${kindOf(st)}, not a model bundle directory`);
  } else {
    const names = await readdir(dir).catch((err: unknown) => {
      throw systemError(given, err);
    });
    if (names.length > 0 && !names.includes(MANIFEST_FILE) && !names.includes(MANIFEST_HASH_FILE)) {
      throw outputError(given, 'the directory holds files that are not a model bundle; rebuy replaces only a bundle (name a new or empty directory)');
    }
  }
  await checkWritableDirectory(given, dirname(dir));
  return dir;
}

/** Whether another process on this machine is saving to `dir` right now. */
async function liveSaveBeside(dir: string): Promise<boolean> {
  const pattern = partialNaming(dir).pattern;
  return (await readdir(dirname(dir)).catch(() => [] as string[])).some((name) => pattern.test(name));
}

/**
 * A save killed between its two renames leaves no `dir`, and the previous bundle whole at
 * `dir.previous`: put it back, unless another save is under way.
 */
async function recoverInterruptedSwap(dir: string): Promise<void> {
  const previous = `${dir}${PREVIOUS_SUFFIX}`;
  if (existsSync(dir) || !existsSync(previous) || (await liveSaveBeside(dir))) return;
  await rename(previous, dir).catch(() => {});
}

/**
 * Writes a bundle directory atomically: everything goes to a sibling temp directory first, which then
 * replaces `dir` by rename. A failure, or a signal, before that leaves `dir` as it was. A kill between
 * the two renames leaves the previous bundle whole at `dir.previous`, which the next save puts back
 * first; the next save also removes the temporaries of killed saves.
 */
export async function saveBundle(dir: string, manifest: ManifestDraft, files: BundleFiles): Promise<Manifest> {
  const hashes: Record<string, string> = {};
  for (const [name, data] of files) {
    assertPlainName(name);
    hashes[name] = sha256(data);
  }
  const full: Manifest = { ...manifest, files: hashes };
  // Checked against the schema before anything touches the disk.
  const manifestText = manifestJson(full);
  const target = await checkBundleTarget(dir);
  const parent = dirname(target);
  const naming = partialNaming(target);
  await sweepStale(parent, naming.pattern);
  await recoverInterruptedSwap(target);
  const tmp = join(parent, naming.name(temporaryTag()));
  const forget = onInterrupt(() => removeSync(tmp));
  try {
    await mkdir(tmp);
    await writeAllDurably(tmp, [...files, [MANIFEST_FILE, manifestText], [MANIFEST_HASH_FILE, `${sha256(manifestText)}  ${MANIFEST_FILE}\n`]]);
    await syncDirectory(tmp);
    await swapDirectory(tmp, target, PREVIOUS_SUFFIX);
    return full;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw writeFailure(dir, err);
  } finally {
    forget();
  }
}

/**
 * Runs `read` on a bundle directory a save may be swapping at this moment, for loaders. Between a
 * save's two renames `dir` is missing and the previous bundle whole at `dir.previous`; a read that
 * straddles a swap sees files of both and fails verification. So: `dir`, then `dir.previous` if `dir`
 * is missing, then `dir` again, a bounded number of rounds; the last error if none succeeds.
 */
export async function readDuringSwap<T>(dir: string, read: (from: string) => Promise<T>, rounds = 5): Promise<T> {
  const previous = `${dir}${PREVIOUS_SUFFIX}`;
  const identity = (): number | null => statSync(dir, { throwIfNoEntry: false })?.ino ?? null;
  let last: unknown;
  for (let round = 0; round < rounds; round++) {
    const before = identity();
    try {
      return await read(dir);
    } catch (err) {
      last = err;
    }
    if (!existsSync(dir) && existsSync(previous)) {
      try {
        return await read(previous);
      } catch (err) {
        last = err;
      }
      continue;
    }
    // The same directory before and after: no swap got in the way, the error is the bundle's own.
    if (before !== null && before === identity()) break;
  }
  throw last;
}
