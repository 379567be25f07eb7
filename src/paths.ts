import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding rebuy's package.json, found from this file (works from src/ and dist/src/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('rebuy: package.json not found above the code');
    dir = parent;
  }
  return dir;
}

/** Versions of rebuy and the packages that shape a model, for the manifest. */
export function packageVersions(): Record<string, string> {
  const root = packageRoot();
  const versionOf = (dir: string): string =>
    (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const versions: Record<string, string> = { rebuy: versionOf(root), node: process.versions.node };
  for (const name of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'onnxruntime-node', '@duckdb/node-api']) {
    const dir = join(root, 'node_modules', name);
    if (existsSync(join(dir, 'package.json'))) versions[name] = versionOf(dir);
  }
  return versions;
}
