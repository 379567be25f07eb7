import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleError } from '../errors.js';
import { parseManifest, type Manifest } from './manifest.js';
import { sha256 } from './hash.js';
import { MANIFEST_FILE, MANIFEST_HASH_FILE, PREVIOUS_SUFFIX } from './layout.js';

export interface LoadedBundle {
  dir: string;
  manifest: Manifest;
  /** SHA-256 of manifest.json: the bundle's identity. */
  hash: string;
  /** Reads a file named in the manifest, verified against its hash. */
  readVerified(name: string): Promise<Buffer>;
}

async function readOrExplain(dir: string, name: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, name));
  } catch (err) {
    const dirExists = await stat(dir).then(() => true, () => false);
    if (!dirExists) {
      const previous = await stat(`${dir}${PREVIOUS_SUFFIX}`).then(() => true, () => false);
      throw bundleError(
        dir,
        previous
          ? `no such directory; an interrupted save left the previous bundle at ${dir}${PREVIOUS_SUFFIX}`
          : 'no such directory',
        err,
      );
    }
    throw bundleError(dir, `${name} is missing or unreadable`, err);
  }
}

/** Reads and verifies a bundle: the manifest's own hash and schema, then every file's SHA-256. Runs no code. */
export async function loadBundle(dir: string): Promise<LoadedBundle> {
  const manifestBytes = await readOrExplain(dir, MANIFEST_FILE);
  const hashLine = (await readOrExplain(dir, MANIFEST_HASH_FILE)).toString('utf8');
  const hash = sha256(manifestBytes);
  const expected = hashLine.split(/\s+/)[0];
  if (expected !== hash) {
    throw bundleError(dir, `${MANIFEST_FILE} was altered: its SHA-256 is ${hash}, ${MANIFEST_HASH_FILE} says ${expected}`);
  }
  const manifest = parseManifest(manifestBytes.toString('utf8'), dir);
  const contents = new Map<string, Buffer>();
  for (const [name, want] of Object.entries(manifest.files)) {
    const data = await readOrExplain(dir, name);
    const got = sha256(data);
    if (got !== want) throw bundleError(dir, `${name} was altered: its SHA-256 is ${got}, the manifest says ${want}`);
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
