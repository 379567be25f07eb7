/** TF.js for training only: loaded and set up on request, never on import. */

import { internalError } from '../errors.js';

export type Tf = typeof import('@tensorflow/tfjs');

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
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-wasm');
  // Production mode: no debug checks, and no "install tfjs-node" banner.
  tf.enableProdMode();
  if (!(await tf.setBackend('wasm'))) throw internalError('TF.js: the WASM backend failed to initialise');
  await tf.ready();
  return tf;
}
