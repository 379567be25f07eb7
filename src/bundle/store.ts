/**
 * The model store: immutable versions `NAME/vN` of verified bundles, aliases that point to one of
 * them (`champion`, `challenger`, any name), the record of every alias move, and the monitoring runs
 * kept beside the versions. `ModelStore` is the interface the commands and the server use;
 * `fileStore(root)` keeps it in a directory and needs no server (an object store can come later).
 *
 *   ROOT/NAME/vN/                 a bundle, copied whole and verified; never written again
 *   ROOT/NAME/state.json          last version, aliases, every alias move and deletion (replaced by rename)
 *   ROOT/NAME/monitor/*.json      monitoring runs, one file each (`<time>-vN.json`)
 *   ROOT/NAME/.lock               held while a change runs (lock.ts)
 *
 * The alias moves live in the same file as the aliases, so a move and its record are one rename: a
 * process killed mid-promote leaves the old state or the new one, never an alias without its record.
 */
import { statSync, watch as watchPath, type Stats } from 'node:fs';
import { link, lstat, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { Type, type StaticDecode } from '#typebox';
import { RebuyError, bundleError, quoteValue, usageError } from '../errors.js';
import { onInterrupt, removeSync, sweepStale, syncDirectory, temporaryNaming, temporaryTag, writeFailure } from '../data/fs.js';
import { decodeBundleValue, encodeBundleJson, lazyChecker, Nullable, parseBundleJson } from './format.js';
import { sha256 } from './hash.js';
import { MANIFEST_FILE, MANIFEST_HASH_FILE, MAX_MANIFEST_BYTES, manifestHashLine } from './layout.js';
import { loadBundle, type LoadedBundle } from './load.js';
import { parseManifest, type Manifest } from './manifest.js';
import { withLock } from './lock.js';
import { writeDurably } from './save.js';
import {
  checkAliasName,
  checkModelName,
  formatRef,
  isVersionRef,
  versionDirName,
  versionOfDirName,
  type AliasRef,
  type StoreRef,
  type VersionRef,
} from './ref.js';

// ---------------------------------------------------------------------------------------------
// What the store keeps about a model

const Version = Type.Integer({ minimum: 1 });

export const AliasMoveSchema = Type.Object({
  at: Type.String({ description: 'When the alias moved (ISO 8601).' }),
  alias: Type.String(),
  from: Nullable(Version),
  to: Version,
  action: Type.Union([Type.Literal('promote'), Type.Literal('rollback')]),
  reason: Nullable(Type.String()),
  by: Nullable(Type.String({ description: 'user@host that moved it.' })),
});
export type AliasMove = StaticDecode<typeof AliasMoveSchema>;

const DeletionSchema = Type.Object({ version: Version, at: Type.String(), reason: Nullable(Type.String()), by: Nullable(Type.String()) });

const ModelStateSchema = Type.Object({
  format: Type.Literal('rebuy-model-state'),
  /** The highest version ever registered: a deleted version's number is never given again. */
  lastVersion: Type.Integer({ minimum: 0 }),
  aliases: Type.Record(Type.String(), Version),
  moves: Type.Array(AliasMoveSchema),
  deleted: Type.Array(DeletionSchema),
});
type ModelState = StaticDecode<typeof ModelStateSchema>;
const stateChecker = lazyChecker(ModelStateSchema);

const STATE_FILE = 'state.json';
const LOCK_FILE = '.lock';
const MONITOR_DIR = 'monitor';

function emptyState(): ModelState {
  return { format: 'rebuy-model-state', lastVersion: 0, aliases: {}, moves: [], deleted: [] };
}

// ---------------------------------------------------------------------------------------------
// The interface

/** One version where it can be read: a local bundle directory. */
export interface ResolvedVersion {
  name: string;
  version: number;
  /** The alias it was reached through, or null for NAME/vN. */
  alias: string | null;
  dir: string;
}

export interface StoredVersion {
  name: string;
  version: number;
  dir: string;
  /** Aliases pointing to it now. */
  aliases: string[];
  /** The manifest (read, not verified: listing does not hash every file), or null with the reason. */
  manifest: Manifest | null;
  /** SHA-256 of manifest.json, the bundle's identity; null when unreadable. */
  hash: string | null;
  problem: string | null;
}

export interface MoveOptions {
  reason?: string | null;
}

/** A monitoring run as the store keeps it: any JSON object, with at least the version and time. */
export type MonitorRun = Record<string, unknown> & { version: number; at: string };

export interface ModelStore {
  /** Where the store is, for messages. */
  readonly location: string;
  /** Model names, sorted. */
  names(): Promise<string[]>;
  /** Every version of one model (or of every model), oldest first, with its aliases. */
  list(name?: string): Promise<StoredVersion[]>;
  /** The version a reference names now; NOT_FOUND (exit 2) naming what exists when there is none. */
  resolve(ref: StoreRef): Promise<ResolvedVersion>;
  /** Verifies a bundle and copies it in as the model's next version, atomically; optionally points an alias at it. */
  register(name: string, bundleDir: string, options?: { alias?: string; reason?: string | null }): Promise<ResolvedVersion>;
  /** Points an alias at a version that passes verification; the move is recorded. */
  setAlias(ref: VersionRef, alias: string, options?: MoveOptions): Promise<AliasMove>;
  /** Moves an alias back to the version it pointed to before its current one. */
  rollback(ref: AliasRef, options?: MoveOptions): Promise<AliasMove>;
  /** Aliases of a model and the versions they point to. */
  aliases(name: string): Promise<Record<string, number>>;
  /** Every alias move of a model, oldest first. */
  aliasHistory(name: string): Promise<AliasMove[]>;
  /** Deletes a version no alias points to. */
  remove(ref: VersionRef, options?: MoveOptions): Promise<void>;
  /** Keeps a monitoring run beside the version it was made with; returns where. */
  recordMonitorRun(ref: StoreRef, run: Record<string, unknown>): Promise<{ version: number; at: string; location: string }>;
  /** A model's monitoring runs, oldest first. */
  monitorHistory(name: string): Promise<MonitorRun[]>;
  /** Calls `onChange` (at most once per change, maybe more) when the model's aliases may have moved; returns the stop function. */
  watchAliases(name: string, onChange: () => void, options?: { pollMs?: number }): () => void;
}

// ---------------------------------------------------------------------------------------------
// Files inside the store

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function who(): string | null {
  try {
    return `${userInfo().username}@${hostname()}`;
  } catch {
    return null;
  }
}


/**
 * Writes `data` to `path` whole: a temporary beside it, flushed, then renamed over it (`replace`) or
 * linked to it (no `replace`: fails with EEXIST when the name is taken). Never follows a link at `path`.
 */
async function writeWhole(path: string, data: string, replace: boolean): Promise<void> {
  const naming = temporaryNaming(path, 'tmp');
  const dir = join(path, '..');
  await sweepStale(dir, naming.pattern);
  const tmp = join(dir, naming.name(temporaryTag()));
  const forget = onInterrupt(() => removeSync(tmp));
  try {
    await writeDurably(tmp, data);
    if (replace) await rename(tmp, path);
    else await link(tmp, path);
    await syncDirectory(dir);
  } finally {
    forget();
    await rm(tmp, { force: true });
  }
}

/** Runs recorded in the same millisecond are numbered -2, -3, … after the first. */
function sameTimeOrder(file: string): number {
  return Number(/-v[0-9]+-([0-9]+)\.json$/.exec(file)?.[1] ?? 1);
}

function notFound(message: string): RebuyError {
  return new RebuyError('NOT_FOUND', message);
}

function versionList(versions: number[]): string {
  return versions.length === 0 ? 'none' : versions.map((v) => `v${v}`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// The file store

export function fileStore(root: string): ModelStore {
  const location = root;
  const modelDir = (name: string): string => join(root, checkModelName(name));
  const statePath = (name: string): string => join(modelDir(name), STATE_FILE);
  const versionDir = (ref: VersionRef): string => join(modelDir(ref.name), versionDirName(ref.version));
  /** Where a version is copied before it is renamed into place, and where a deleted one goes. */
  const partialNaming = (name: string) => temporaryNaming(join(modelDir(name), 'version'), 'partial');
  const deletingNaming = (name: string) => temporaryNaming(join(modelDir(name), 'version'), 'deleting');

  async function readState(name: string): Promise<ModelState> {
    const path = statePath(name);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (errno(err) === 'ENOENT') return emptyState();
      throw writeFailure(path, err);
    }
    return decodeBundleValue(stateChecker(), STATE_FILE, parseBundleJson(STATE_FILE, text, modelDir(name)), modelDir(name));
  }

  async function writeState(name: string, state: ModelState): Promise<void> {
    const text = `${encodeBundleJson(stateChecker(), STATE_FILE, state, 2)}\n`;
    await writeWhole(statePath(name), text, true).catch((err: unknown) => {
      throw writeFailure(statePath(name), err);
    });
  }

  /** Version directories on disk, deleted ones left out, ascending. */
  async function versionsOnDisk(name: string, state: ModelState): Promise<number[]> {
    const entries = await readdir(modelDir(name), { withFileTypes: true }).catch((err: unknown) => {
      if (errno(err) === 'ENOENT') return [];
      throw writeFailure(modelDir(name), err);
    });
    const deleted = new Set(state.deleted.map((d) => d.version));
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => versionOfDirName(e.name))
      .filter((v): v is number => v !== null && !deleted.has(v))
      .sort((a, b) => a - b);
  }

  /**
   * Runs a change of one model under its lock, after removing what killed changes left. Only a
   * register makes the model's directory; a change of a model the store lacks is NOT_FOUND.
   */
  async function change<T>(name: string, body: (state: ModelState) => Promise<T>, create = false): Promise<T> {
    const dir = modelDir(name);
    if (create) {
      await mkdir(dir, { recursive: true }).catch((err: unknown) => {
        throw writeFailure(dir, err);
      });
    } else if (!(await lstat(dir).then((st) => st.isDirectory(), () => false))) {
      throw notFound(`store ${location} has no model named ${quoteValue(name)} (rebuy models list shows what it holds)`);
    }
    return withLock(join(dir, LOCK_FILE), async () => {
      await sweepStale(dir, partialNaming(name).pattern);
      await sweepStale(dir, deletingNaming(name).pattern);
      const state = await readState(name);
      // A delete killed after recording the deletion: finish it.
      for (const { version } of state.deleted) await rm(versionDir({ name, version }), { recursive: true, force: true });
      return body(state);
    });
  }

  async function existingVersion(ref: VersionRef, state: ModelState): Promise<string> {
    const deletion = state.deleted.find((d) => d.version === ref.version);
    if (deletion) throw notFound(`${formatRef(ref)} was deleted on ${deletion.at}${deletion.reason ? ` (${deletion.reason})` : ''}`);
    const dir = versionDir(ref);
    const st = await lstat(dir).catch(() => null);
    if (!st?.isDirectory()) {
      const known = await versionsOnDisk(ref.name, state);
      throw notFound(`store ${location} has no ${formatRef(ref)} (versions of ${ref.name}: ${versionList(known)})`);
    }
    return dir;
  }

  function move(state: ModelState, alias: string, to: number, action: AliasMove['action'], reason: string | null | undefined): AliasMove {
    const record: AliasMove = { at: new Date().toISOString(), alias, from: state.aliases[alias] ?? null, to, action, reason: reason ?? null, by: who() };
    state.aliases[alias] = to;
    state.moves.push(record);
    return record;
  }

  /** The alias's line of versions: a promote adds one, a rollback takes the last one off. */
  function aliasStack(state: ModelState, alias: string): number[] {
    const stack: number[] = [];
    for (const m of state.moves) {
      if (m.alias !== alias) continue;
      if (m.action === 'promote') stack.push(m.to);
      else {
        stack.pop();
        if (stack[stack.length - 1] !== m.to) stack.push(m.to);
      }
    }
    return stack;
  }

  async function verify(ref: VersionRef, dir: string, doing: string): Promise<LoadedBundle> {
    try {
      return await loadBundle(dir);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new RebuyError('BUNDLE_INVALID', `${formatRef(ref)} cannot be ${doing}: it fails verification: ${why}`, { file: dir }, { cause: err });
    }
  }

  async function copyVersion(bundle: LoadedBundle, manifestBytes: Buffer, target: string, name: string): Promise<void> {
    const tmp = join(modelDir(name), partialNaming(name).name(temporaryTag()));
    const forget = onInterrupt(() => removeSync(tmp));
    try {
      await mkdir(tmp);
      for (const file of Object.keys(bundle.manifest.files)) await writeDurably(join(tmp, file), await bundle.readVerified(file));
      await writeDurably(join(tmp, MANIFEST_FILE), manifestBytes);
      await writeDurably(join(tmp, MANIFEST_HASH_FILE), manifestHashLine(bundle.hash));
      await syncDirectory(tmp);
      // rename() onto an existing non-empty directory fails: a version is never replaced.
      await rename(tmp, target);
      await syncDirectory(modelDir(name));
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw writeFailure(target, err);
    } finally {
      forget();
    }
  }

  async function readManifestOf(dir: string): Promise<{ manifest: Manifest; hash: string }> {
    const path = join(dir, MANIFEST_FILE);
    const st = await lstat(path);
    if (!st.isFile()) throw bundleError(dir, `${MANIFEST_FILE} is not a regular file`);
    if (st.size > MAX_MANIFEST_BYTES) throw bundleError(dir, `${MANIFEST_FILE} is too large`);
    const bytes = await readFile(path);
    return { manifest: parseManifest(bytes.toString('utf8'), dir), hash: sha256(bytes) };
  }

  async function names(): Promise<string[]> {
    const entries = await readdir(root, { withFileTypes: true }).catch((err: unknown) => {
      if (errno(err) === 'ENOENT') return [];
      throw writeFailure(root, err);
    });
    return entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .filter((n) => {
        try {
          checkModelName(n);
          return true;
        } catch {
          return false;
        }
      })
      .sort();
  }

  const store: ModelStore = {
    location,
    names,

    async list(name) {
      const all = name === undefined ? await names() : [checkModelName(name)];
      const out: StoredVersion[] = [];
      for (const model of all) {
        const state = await readState(model);
        for (const version of await versionsOnDisk(model, state)) {
          const dir = versionDir({ name: model, version });
          const aliases = Object.entries(state.aliases)
            .filter(([, v]) => v === version)
            .map(([a]) => a)
            .sort();
          const read = await readManifestOf(dir).then(
            (r) => ({ ...r, problem: null }),
            (err: unknown) => ({ manifest: null, hash: null, problem: err instanceof Error ? err.message : String(err) }),
          );
          out.push({ name: model, version, dir, aliases, ...read });
        }
      }
      return out;
    },

    async resolve(ref) {
      const state = await readState(ref.name);
      if (isVersionRef(ref)) return { name: ref.name, version: ref.version, alias: null, dir: await existingVersion(ref, state) };
      const version = state.aliases[ref.alias];
      if (version === undefined) {
        const known = Object.keys(state.aliases).sort();
        const versions = await versionsOnDisk(ref.name, state);
        if (versions.length === 0 && known.length === 0) throw notFound(`store ${location} has no model named ${quoteValue(ref.name)} (rebuy models list shows what it holds)`);
        throw notFound(`${ref.name} has no alias ${quoteValue(ref.alias)} (aliases: ${known.length ? known.map((a) => `${ref.name}@${a}`).join(', ') : 'none'})`);
      }
      return { name: ref.name, version, alias: ref.alias, dir: await existingVersion({ name: ref.name, version }, state) };
    },

    async register(name, bundleDir, options = {}) {
      checkModelName(name);
      if (options.alias !== undefined) checkAliasName(options.alias);
      const bundle = await loadBundle(bundleDir);
      const manifestBytes = await readFile(join(bundle.dir, MANIFEST_FILE));
      if (sha256(manifestBytes) !== bundle.hash) throw bundleError(bundleDir, `${MANIFEST_FILE} changed while it was being registered`);
      return change(name, async (state) => {
        const onDisk = await versionsOnDisk(name, state);
        const version = Math.max(state.lastVersion, ...state.deleted.map((d) => d.version), ...onDisk, 0) + 1;
        const dir = versionDir({ name, version });
        await copyVersion(bundle, manifestBytes, dir, name);
        state.lastVersion = version;
        if (options.alias !== undefined) move(state, options.alias, version, 'promote', options.reason ?? 'registered');
        await writeState(name, state);
        return { name, version, alias: options.alias ?? null, dir };
      }, true);
    },

    async setAlias(ref, alias, options = {}) {
      checkAliasName(alias);
      return change(ref.name, async (state) => {
        const dir = await existingVersion(ref, state);
        if (state.aliases[alias] === ref.version) throw usageError(`${ref.name}@${alias} already points to ${formatRef(ref)}`);
        await verify(ref, dir, 'promoted');
        const record = move(state, alias, ref.version, 'promote', options.reason);
        await writeState(ref.name, state);
        return record;
      });
    },

    async rollback(ref, options = {}) {
      return change(ref.name, async (state) => {
        const current = state.aliases[ref.alias];
        if (current === undefined) throw notFound(`${ref.name} has no alias ${quoteValue(ref.alias)}`);
        const stack = aliasStack(state, ref.alias);
        const previous = stack.length >= 2 ? stack[stack.length - 2]! : undefined;
        if (previous === undefined) throw usageError(`${formatRef(ref)} has no earlier version to roll back to (it has pointed only to v${current})`);
        const target = { name: ref.name, version: previous };
        const dir = await existingVersion(target, state);
        await verify(target, dir, 'rolled back to');
        const record = move(state, ref.alias, previous, 'rollback', options.reason);
        await writeState(ref.name, state);
        return record;
      });
    },

    async aliases(name) {
      return { ...(await readState(checkModelName(name))).aliases };
    },

    async aliasHistory(name) {
      return (await readState(checkModelName(name))).moves;
    },

    async remove(ref, options = {}) {
      await change(ref.name, async (state) => {
        const dir = await existingVersion(ref, state);
        const pointing = Object.entries(state.aliases).filter(([, v]) => v === ref.version).map(([a]) => `${ref.name}@${a}`);
        if (pointing.length > 0) {
          throw usageError(`${formatRef(ref)} is not deleted: ${pointing.join(', ')} ${pointing.length === 1 ? 'points' : 'point'} to it (promote another version first)`);
        }
        // The record first: a delete killed after it is finished by the next change.
        state.deleted.push({ version: ref.version, at: new Date().toISOString(), reason: options.reason ?? null, by: who() });
        state.lastVersion = Math.max(state.lastVersion, ref.version);
        await writeState(ref.name, state);
        const aside = join(modelDir(ref.name), deletingNaming(ref.name).name(temporaryTag()));
        await rename(dir, aside);
        await rm(aside, { recursive: true, force: true });
      });
    },

    async recordMonitorRun(ref, run) {
      const resolved = await store.resolve(ref);
      const at = typeof run.at === 'string' ? run.at : new Date().toISOString();
      const dir = join(modelDir(ref.name), MONITOR_DIR);
      await mkdir(dir, { recursive: true }).catch((err: unknown) => {
        throw writeFailure(dir, err);
      });
      const text = `${JSON.stringify({ ...run, name: resolved.name, version: resolved.version, alias: resolved.alias, at }, null, 2)}\n`;
      const stamp = at.replace(/[^0-9TZ]/g, '');
      for (let n = 1; ; n++) {
        const path = join(dir, `${stamp}-v${resolved.version}${n === 1 ? '' : `-${n}`}.json`);
        try {
          await writeWhole(path, text, false);
          return { version: resolved.version, at, location: path };
        } catch (err) {
          if (errno(err) !== 'EEXIST') throw writeFailure(path, err);
        }
      }
    },

    async monitorHistory(name) {
      const dir = join(modelDir(name), MONITOR_DIR);
      const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json') && !f.startsWith('.'));
      const runs: MonitorRun[] = [];
      for (const file of files) {
        const path = join(dir, file);
        let run: unknown;
        try {
          run = JSON.parse(await readFile(path, 'utf8'));
        } catch (err) {
          throw new RebuyError('BUNDLE_INVALID', `${path}: not a monitoring run (${err instanceof Error ? err.message : String(err)})`, { file: path });
        }
        const ok = typeof run === 'object' && run !== null && typeof Reflect.get(run, 'version') === 'number' && typeof Reflect.get(run, 'at') === 'string';
        if (!ok) throw new RebuyError('BUNDLE_INVALID', `${path}: a monitoring run needs a number "version" and a string "at"`, { file: path });
        runs.push(run as MonitorRun);
      }
      return runs.map((run, i) => ({ run, order: sameTimeOrder(files[i]!) })).sort((a, b) => (a.run.at < b.run.at ? -1 : a.run.at > b.run.at ? 1 : a.order - b.order)).map((r) => r.run);
    },

    watchAliases(name, onChange, options = {}) {
      const dir = modelDir(name);
      const path = statePath(name);
      let last: string;
      let stopped = false;
      const fingerprintOf = (st: Stats | undefined | null): string => (st ? `${st.ino}:${st.mtimeMs}:${st.size}` : 'none');
      const fingerprint = async (): Promise<string> => fingerprintOf(await stat(path).catch(() => null));
      const check = (): void => {
        void fingerprint().then((now) => {
          if (stopped || now === last) return;
          last = now;
          onChange();
        });
      };
      last = fingerprintOf(statSync(path, { throwIfNoEntry: false }));
      // fs.watch sees the rename at once where it works; the poll covers network disks and missed events.
      let watcher: ReturnType<typeof watchPath> | null = null;
      try {
        watcher = watchPath(dir, { persistent: false }, (_event, file) => {
          if (file === null || file === STATE_FILE) check();
        });
        watcher.on('error', () => watcher?.close());
      } catch {
        watcher = null;
      }
      const timer = setInterval(check, options.pollMs ?? 1000);
      timer.unref();
      return () => {
        stopped = true;
        clearInterval(timer);
        watcher?.close();
      };
    },
  };
  return store;
}
