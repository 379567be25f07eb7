import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Manifest } from './manifest.js';
import { sha256 } from './hash.js';
import { MANIFEST_FILE, MANIFEST_HASH_FILE, PREVIOUS_SUFFIX } from './layout.js';

export type BundleFiles = ReadonlyMap<string, Uint8Array | string>;

async function writeDurably(path: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function assertPlainName(name: string): void {
  if (name !== basename(name) || name.startsWith('.') || name === MANIFEST_FILE || name === MANIFEST_HASH_FILE) {
    throw new Error(`invalid bundle file name ${JSON.stringify(name)}`);
  }
}

/**
 * Writes a bundle directory atomically: everything goes to a sibling temp directory first, which then
 * replaces `dir` by rename. A failure before that leaves `dir` as it was; a crash between the two
 * renames leaves the previous bundle intact at `dir.previous`.
 */
export async function saveBundle(
  dir: string,
  manifest: Omit<Manifest, 'files'>,
  files: BundleFiles,
): Promise<Manifest> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.partial-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp);
  try {
    const hashes: Record<string, string> = {};
    for (const [name, data] of files) {
      assertPlainName(name);
      await writeDurably(join(tmp, name), data);
      hashes[name] = sha256(data);
    }
    const full: Manifest = { ...manifest, files: hashes };
    const manifestText = `${JSON.stringify(full, null, 2)}\n`;
    await writeDurably(join(tmp, MANIFEST_FILE), manifestText);
    await writeDurably(join(tmp, MANIFEST_HASH_FILE), `${sha256(manifestText)}  ${MANIFEST_FILE}\n`);
    await swapInto(tmp, dir);
    return full;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

async function swapInto(tmp: string, dir: string): Promise<void> {
  const previous = `${dir}${PREVIOUS_SUFFIX}`;
  if (await exists(dir)) {
    await rm(previous, { recursive: true, force: true });
    await rename(dir, previous);
    await rename(tmp, dir);
    await rm(previous, { recursive: true, force: true });
  } else {
    await rename(tmp, dir);
  }
}
