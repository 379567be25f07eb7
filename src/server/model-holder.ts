/**
 * Holds the serving Predictor and swaps it atomically on reload.
 * Each request takes a slot (a reference) and releases it when done; a replaced predictor is closed
 * only once its last in-flight request has released it. A load that takes too long is abandoned:
 * the next load, and closing, never wait behind a stuck one.
 */
import { RebuyError, bundleError } from '../errors.js';
import type { Predictor } from '../predict/types.js';

export type LoadPredictor = (bundleDir: string) => Promise<Predictor>;

/** Which version of a stored model is serving, and the alias it was reached through. */
export interface ModelOrigin {
  name: string;
  version: number;
  alias: string | null;
}

/** Where an argument-less load reads: a bundle directory, and the stored version it is, if any. */
export interface SourceTarget {
  dir: string;
  origin: ModelOrigin | null;
}

/** Resolved again at every argument-less load, so a server started on NAME@ALIAS follows the alias. */
export type ModelSource = () => Promise<SourceTarget>;

/** A reference-counted predictor. Requests read `predictor` and hand the slot back to `release`. */
export interface ModelSlot {
  readonly predictor: Predictor;
  /** The stored version this predictor is, or null for a bundle directory given as a path. */
  readonly origin: ModelOrigin | null;
}

export interface ModelHolder {
  /** The serving predictor, or null before the first successful load. */
  readonly current: Predictor | null;
  /** The directory the next argument-less `load()` reads (with a source: the one serving now). */
  readonly bundleDir: string | null;
  /** The stored version serving now, or null for a bundle directory given as a path. */
  readonly origin: ModelOrigin | null;
  /** Takes a reference to the serving predictor; null when none is loaded (or closing). */
  acquire(): ModelSlot | null;
  release(slot: ModelSlot): void;
  /**
   * Loads and verifies a bundle, then swaps it in. On failure the serving predictor stays. Loads run
   * one at a time, each bounded by the load timeout; more than one waiting is refused (OVERLOADED).
   */
  load(bundleDir?: string): Promise<Predictor>;
  /**
   * Resolves the source again and loads it only when it names another directory than the serving
   * one (an alias moved); a directory loaded by name since start stays. Queued with the loads.
   */
  follow(): Promise<Predictor | null>;
  /** Stops serving, waits for in-flight references, closes every predictor. Does not wait for a load. */
  close(): Promise<void>;
}

export interface ModelHolderOptions {
  bundleDir?: string;
  /** What argument-less loads read (default: `bundleDir`). */
  source?: ModelSource;
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
  dir: string;
  refs: number;
  retired: boolean;
  closing: boolean;
  /** Settles once the predictor is closed. */
  closed: Promise<void>;
  markClosed: () => void;
}

function newSlot(predictor: Predictor, target: SourceTarget): Slot {
  let markClosed = (): void => undefined;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  return { predictor, origin: target.origin, dir: target.dir, refs: 0, retired: false, closing: false, closed, markClosed };
}

export function createModelHolder(loadPredictor: LoadPredictor, options: ModelHolderOptions = {}): ModelHolder {
  const timeoutMs = options.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  let serving: Slot | null = null;
  let bundleDir = options.bundleDir ?? null;
  // A load of a directory by name replaces the source: the server then serves that directory.
  let source: ModelSource | null = options.source ?? null;
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

  async function loadNow(given: string | undefined): Promise<Predictor> {
    if (closing) throw new Error('model holder is closed');
    return install(given !== undefined ? { dir: given, origin: null } : await resolveSource(), given !== undefined);
  }

  async function install(target: SourceTarget, byName: boolean): Promise<Predictor> {
    const predictor = await bounded(target.dir);
    if (closing) {
      discard(predictor);
      throw new Error('model holder is closed');
    }
    const previous = serving;
    serving = newSlot(predictor, target);
    bundleDir = target.dir;
    if (byName) source = null;
    if (previous) retire(previous);
    return predictor;
  }

  async function resolveSource(): Promise<SourceTarget> {
    if (source !== null) return source();
    if (bundleDir === null) throw new Error('no model directory given');
    return { dir: bundleDir, origin: null };
  }

  function enqueue<T>(work: () => Promise<T>): Promise<T> {
    if (closing) return Promise.reject(new Error('model holder is closed'));
    if (pendingLoads > MAX_WAITING_LOADS) return Promise.reject(new RebuyError('OVERLOADED', 'a model is already loading: retry once it is done'));
    pendingLoads++;
    const next = loadQueue.then(work).finally(() => pendingLoads--);
    loadQueue = next.catch(() => undefined);
    return next;
  }

  return {
    get current() {
      return serving?.predictor ?? null;
    },
    get bundleDir() {
      return bundleDir;
    },
    get origin() {
      return serving?.origin ?? null;
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
      if (dir === undefined && source === null && bundleDir === null) return Promise.reject(new Error('no model directory given'));
      return enqueue(() => loadNow(dir));
    },
    follow() {
      return enqueue(async () => {
        if (source === null || closing) return null;
        const target = await source();
        if (serving !== null && target.dir === serving.dir) return null;
        return install(target, false);
      });
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
