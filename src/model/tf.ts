/** TF.js for training only: loaded and set up on request, never on import. */

import { createRequire } from 'node:module';
import type * as CodeCache from '#code-cache';
import { internalError } from '../errors.js';

type TfCore = typeof import('@tensorflow/tfjs-core');
type TfLayers = typeof import('@tensorflow/tfjs-layers');

/** The parts of TF.js training uses: the core ops and the layers API (for the TF.js copy of the model). */
export type Tf = TfCore & TfLayers & { version: { tfjs: string } };

let loading: Promise<Tf> | null = null;

/** Loads TF.js with the WASM backend, once; later calls return the same instance. */
export function initTraining(): Promise<Tf> {
  loading ??= load().catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return loading;
}

async function load(): Promise<Tf> {
  // The core and layers packages, not the @tensorflow/tfjs package that gathers them: that one also
  // loads the converter, data, CPU and WebGL packages, none of which training uses. And require, not
  // import(): imported, each CommonJS package would first be scanned whole for its export names.
  // Through the V8 code cache the build made (build/code-cache.cjs), so TF.js is not parsed and compiled again.
  const { requireCached } = createRequire(import.meta.url)('#code-cache') as typeof CodeCache;
  const core = requireCached(import.meta.url, '@tensorflow/tfjs-core') as TfCore;
  const layers = requireCached(import.meta.url, '@tensorflow/tfjs-layers') as TfLayers;
  requireCached(import.meta.url, '@tensorflow/tfjs-backend-wasm');
  const tf: Tf = { ...core, ...layers, version: { tfjs: layers.version_layers } };
  // Production mode: no debug checks, and no "install tfjs-node" banner.
  tf.enableProdMode();
  if (!(await tf.setBackend('wasm'))) throw internalError('TF.js: the WASM backend failed to initialise');
  await tf.ready();
  return tf;
}
