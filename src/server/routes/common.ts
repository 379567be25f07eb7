/** Small pieces the route plugins share. */
import { RebuyError, isRebuyError } from '../../errors.js';

export function notReady(): RebuyError {
  return new RebuyError('NOT_READY', 'no model is loaded yet: retry shortly');
}

export function overloaded(): RebuyError {
  return new RebuyError('OVERLOADED', 'the server is busy: retry shortly');
}

/** Runs an explanation; null when the bundle cannot explain (it has no background sample). */
export async function explainable<T>(explain: () => Promise<T>): Promise<T | null> {
  try {
    return await explain();
  } catch (err) {
    if (isRebuyError(err) && err.code === 'BUNDLE_INVALID') return null;
    throw err;
  }
}
