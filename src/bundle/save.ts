import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { manifestJson, type Manifest, type ManifestDraft } from './manifest.js';
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
export async function saveBundle(dir: string, manifest: ManifestDraft, files: BundleFiles): Promise<Manifest> {
  const hashes: Record<string, string> = {};
  for (const [name, data] of files) {
    assertPlainName(name);
    hashes[name] = sha256(data);
  }
  const full: Manifest = { ...manifest, files: hashes };
  // Checked against the schema before anything touches the disk.
  const manifestText = manifestJson(full);
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.partial-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp);
  try {
    for (const [name, data] of files) await writeDurably(join(tmp, name), data);
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
