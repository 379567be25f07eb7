import type { LoadedBundle } from './load.js';
import type { Manifest, ManifestDraft } from './manifest.js';
import { saveBundle } from './save.js';

/**
 * Applies a change to a verified bundle's manifest and files and saves it again atomically. Every
 * file is kept unless the change replaces or deletes it.
 */
export async function updateBundle(
  bundle: LoadedBundle,
  change: (manifest: ManifestDraft, files: Map<string, Uint8Array | string>) => void | Promise<void>,
): Promise<Manifest> {
  const { files: hashes, ...manifest } = structuredClone(bundle.manifest);
  const files = new Map<string, Uint8Array | string>();
  for (const name of Object.keys(hashes)) files.set(name, await bundle.readVerified(name));
  await change(manifest, files);
  return saveBundle(bundle.dir, manifest, files);
}
