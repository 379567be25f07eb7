import { loadBundle } from './load.js';
import type { Manifest } from './manifest.js';
import { saveBundle } from './save.js';

/** Loads a verified bundle, applies a change to its manifest and files, and saves it again atomically. */
export async function updateBundle(
  dir: string,
  change: (manifest: Omit<Manifest, 'files'>, files: Map<string, Uint8Array | string>) => void | Promise<void>,
): Promise<Manifest> {
  const bundle = await loadBundle(dir);
  const { files: hashes, ...manifest } = bundle.manifest;
  const files = new Map<string, Uint8Array | string>();
  for (const name of Object.keys(hashes)) files.set(name, await bundle.readVerified(name));
  await change(manifest, files);
  return saveBundle(dir, manifest, files);
}
