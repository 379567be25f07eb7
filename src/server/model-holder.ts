/**
 * Holds the serving Predictor and swaps it atomically on reload.
 * Each request takes a slot (a reference) and releases it when done; a replaced predictor is closed
 * only once its last in-flight request has released it. A load that takes too long is abandoned:
 * the next load, and closing, never wait behind a stuck one.
 */
import { RebuyError, bundleError } from '../errors.js';
import type { Predictor } from '../predict/types.js';

export type LoadPredictor = (bundleDir: string) => Promise<Predictor>;

/** A reference-counted predictor. Requests read `predictor` and hand the slot back to `release`. */
export interface ModelSlot {
  readonly predictor: Predictor;
}

export interface ModelHolder {
  /** The serving predictor, or null before the first successful load. */
  readonly current: Predictor | null;
  /** The directory the next argument-less `load()` reads. */
  readonly bundleDir: string | null;
  /** Takes a reference to the serving predictor; null when none is loaded (or closing). */
  acquire(): ModelSlot | null;
  release(slot: ModelSlot): void;
  /**
   * Loads and verifies a bundle, then swaps it in. On failure the serving predictor stays. Loads run
   * one at a time, each bounded by the load timeout; more than one waiting is refused (OVERLOADED).
   */
  load(bundleDir?: string): Promise<Predictor>;
  /** Stops serving, waits for in-flight references, closes every predictor. Does not wait for a load. */
  close(): Promise<void>;
}

export interface ModelHolderOptions {
  bundleDir?: string;
  /** Called when closing a retired predictor fails (it is not rethrown: serving goes on). */
  onCloseError?: (err: unknown) => void;
  /** A load not done in this time is abandoned (its predictor closed if it ever arrives). */
  loadTimeoutMs?: number;
}

/** Verifying a bundle reads and hashes at most about a gigabyte and scores a small sample. */
export const DEFAULT_LOAD_TIMEOUT_MS = 60_000;
/** Loads waiting behind the running one; reloads beyond it are refused rather than queued. */
const MAX_WAITING_LOADS = 1;

interface Slot extends ModelSlot {
  refs: number;
  retired: boolean;
  closing: boolean;
  /** Settles once the predictor is closed. */
  closed: Promise<void>;
  markClosed: () => void;
}

function newSlot(predictor: Predictor): Slot {
  let markClosed = (): void => undefined;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  return { predictor, refs: 0, retired: false, closing: false, closed, markClosed };
}

export function createModelHolder(loadPredictor: LoadPredictor, options: ModelHolderOptions = {}): ModelHolder {
  const timeoutMs = options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  let serving: Slot | null = null;
  let bundleDir = options.bundleDir ?? null;
  let closing = false;
  let loadQueue: Promise<unknown> = Promise.resolve();
  let pendingLoads = 0;
  const retiring = new Set<Slot>();

  function closeSlot(slot: Slot): void {
    if (slot.closing) return;
    slot.closing = true;
    slot.predictor
      .close()
      .catch((err: unknown) => options.onCloseError?.(err))
      .finally(() => {
        retiring.delete(slot);
        slot.markClosed();
      });
  }

  function retire(slot: Slot): void {
    slot.retired = true;
    retiring.add(slot);
    if (slot.refs === 0) closeSlot(slot);
  }

  function discard(predictor: Predictor): void {
    predictor.close().catch((err: unknown) => options.onCloseError?.(err));
  }

  /** The loader's result, or a refusal once the time is up; a late predictor is closed, never served. */
  function bounded(dir: string): Promise<Predictor> {
    const loading = loadPredictor(dir);
    return new Promise<Predictor>((resolve, reject) => {
      let abandoned = false;
      const timer = setTimeout(() => {
        abandoned = true;
        reject(bundleError(dir, `took longer than ${Math.round(timeoutMs / 1000)} s to load: abandoned`));
      }, timeoutMs);
      loading.then(
        (predictor) => {
          clearTimeout(timer);
          if (abandoned) discard(predictor);
          else resolve(predictor);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }

  async function loadNow(dir: string): Promise<Predictor> {
    if (closing) throw new Error('model holder is closed');
    const predictor = await bounded(dir);
    if (closing) {
      discard(predictor);
      throw new Error('model holder is closed');
    }
    const previous = serving;
    serving = newSlot(predictor);
    bundleDir = dir;
    if (previous) retire(previous);
    return predictor;
  }

  return {
    get current() {
      return serving?.predictor ?? null;
    },
    get bundleDir() {
      return bundleDir;
    },
    acquire() {
      if (serving === null || closing) return null;
      serving.refs++;
      return serving;
    },
    release(slot) {
      const s = slot as Slot;
      s.refs--;
      if (s.refs === 0 && s.retired) closeSlot(s);
    },
    load(dir) {
      const target = dir ?? bundleDir;
      if (target === null) return Promise.reject(new Error('no model directory given'));
      if (closing) return Promise.reject(new Error('model holder is closed'));
      if (pendingLoads > MAX_WAITING_LOADS) return Promise.reject(new RebuyError('OVERLOADED', 'a model is already loading: retry once it is done'));
      pendingLoads++;
      const next = loadQueue.then(() => loadNow(target)).finally(() => pendingLoads--);
      loadQueue = next.catch(() => undefined);
      return next;
    },
    async close() {
      closing = true;
      if (serving) retire(serving);
      serving = null;
      // Each retired slot closes when its last reference is released.
      await Promise.all([...retiring].map((s) => s.closed));
    },
  };
}
