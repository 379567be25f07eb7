import { constants } from 'node:fs';
import { lstat, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleError } from '../errors.js';
import { parseManifest, type Manifest } from './manifest.js';
import { sha256 } from './hash.js';
import { readDuringSwap } from './save.js';
import {
  MANIFEST_FILE,
  MANIFEST_HASH_FILE,
  MAX_BUNDLE_BYTES,
  MAX_BUNDLE_FILE_BYTES,
  MAX_MANIFEST_BYTES,
  MAX_MANIFEST_HASH_BYTES,
  PREVIOUS_SUFFIX,
  manifestHashLine,
} from './layout.js';

export interface LoadedBundle {
  dir: string;
  manifest: Manifest;
  /** SHA-256 of manifest.json: the bundle's identity. */
  hash: string;
  /** Reads a file named in the manifest, verified against its hash. */
  readVerified(name: string): Promise<Buffer>;
}

/**
 * Never follow a symbolic link out of the bundle, and never wait on a FIFO: opening one for reading
 * blocks until a writer appears, and the open would hold a thread of the pool for good.
 */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

function megabytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

/** A name the manifest may list: one plain file directly inside the bundle directory. */
export function isPlainBundleName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 255 &&
    !name.startsWith('.') &&
    !/[/\\\0]/.test(name) &&
    name !== MANIFEST_FILE &&
    name !== MANIFEST_HASH_FILE
  );
}

async function explainMissing(dir: string, name: string, err: unknown): Promise<never> {
  const dirExists = await stat(dir).then(() => true, () => false);
  if (!dirExists) {
    const previous = await stat(`${dir}${PREVIOUS_SUFFIX}`).then(() => true, () => false);
    throw bundleError(
      dir,
      previous ? `no such directory; an interrupted save left the previous bundle at ${dir}${PREVIOUS_SUFFIX}` : 'no such directory',
      err,
    );
  }
  throw bundleError(dir, `${name} is missing or unreadable`, err);
}

function notRegular(dir: string, name: string): never {
  throw bundleError(dir, `${name} is not a regular file (a bundle holds only regular files, no links or special files)`);
}

/**
 * Reads one regular file of the bundle, at most `maxBytes`. Checked by lstat before opening (a
 * device is never opened), opened without following links and without blocking, and checked again
 * on the open descriptor (the entry may have been swapped in between).
 */
async function readBundleFile(dir: string, name: string, maxBytes: number): Promise<Buffer> {
  const path = join(dir, name);
  const entry = await lstat(path).catch((err: unknown) => explainMissing(dir, name, err));
  if (!entry.isFile()) notRegular(dir, name);
  if (entry.size > maxBytes) throw bundleError(dir, `${name} is larger than the limit of ${megabytes(maxBytes)}`);
  const handle = await open(path, OPEN_FLAGS).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ELOOP') notRegular(dir, name);
    return explainMissing(dir, name, err);
  });
  try {
    const opened = await handle.stat();
    if (!opened.isFile() || opened.ino !== entry.ino || opened.dev !== entry.dev) notRegular(dir, name);
    if (opened.size > maxBytes) throw bundleError(dir, `${name} is larger than the limit of ${megabytes(maxBytes)}`);
    // Exactly the size stat reported: a file that grows while it is read fails its hash instead.
    const data = Buffer.alloc(opened.size);
    let filled = 0;
    while (filled < data.length) {
      const { bytesRead } = await handle.read(data, filled, data.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === data.length ? data : data.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/**
 * Reads and verifies a bundle: the manifest's own hash line and schema, then every file's SHA-256.
 * Runs no code, reads only regular files directly inside `dir`, and never reports the hash of what
 * it read (a manifest could name any file), only whether it matches.
 */
export async function loadBundle(dir: string): Promise<LoadedBundle> {
  // A save swaps the directory with two renames; between them the bundle is whole at DIR.previous.
  const bundle = await readDuringSwap(dir, loadBundleFrom);
  return bundle.dir === dir ? bundle : { ...bundle, dir };
}

async function loadBundleFrom(dir: string): Promise<LoadedBundle> {
  const manifestBytes = await readBundleFile(dir, MANIFEST_FILE, MAX_MANIFEST_BYTES);
  const hashLine = await readBundleFile(dir, MANIFEST_HASH_FILE, MAX_MANIFEST_HASH_BYTES);
  const hash = sha256(manifestBytes);
  if (!hashLine.equals(Buffer.from(manifestHashLine(hash)))) {
    throw bundleError(dir, `${MANIFEST_FILE} was altered: ${MANIFEST_HASH_FILE} does not hold exactly the line "<its SHA-256>  ${MANIFEST_FILE}"`);
  }
  const manifest = parseManifest(manifestBytes.toString('utf8'), dir);
  const names = Object.keys(manifest.files);
  for (const name of names) {
    if (!isPlainBundleName(name)) throw bundleError(dir, `${MANIFEST_FILE} lists ${JSON.stringify(name.slice(0, 100))}, which is not a plain file name inside the bundle`);
  }
  const contents = new Map<string, Buffer>();
  let total = manifestBytes.length;
  for (const name of names) {
    const data = await readBundleFile(dir, name, MAX_BUNDLE_FILE_BYTES);
    total += data.length;
    if (total > MAX_BUNDLE_BYTES) throw bundleError(dir, `its files are larger than the limit of ${megabytes(MAX_BUNDLE_BYTES)} together`);
    if (sha256(data) !== manifest.files[name]) throw bundleError(dir, `${name} was altered: its SHA-256 differs from the one the manifest lists`);
    contents.set(name, data);
  }
  return {
    dir,
    manifest,
    hash,
    readVerified: async (name) => {
      const data = contents.get(name);
      if (!data) throw bundleError(dir, `the manifest lists no file ${name}`);
      return data;
    },
  };
}
