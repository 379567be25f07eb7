/** Small pieces the route plugins share. */
import type { FastifyReply } from 'fastify';
import { RebuyError, isRebuyError } from '../../errors.js';

export function notReady(): RebuyError {
  return new RebuyError('NOT_READY', 'no model is loaded yet: retry shortly');
}

export function overloaded(): RebuyError {
  return new RebuyError('OVERLOADED', 'the server is busy: retry shortly');
}

/** Seconds a shed client is asked to wait: long enough for the work in flight to drain. */
export const RETRY_AFTER_SECONDS = 1;

/** The 503 for work beyond capacity, with Retry-After. */
export function shed(reply: FastifyReply): RebuyError {
  reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return overloaded();
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
