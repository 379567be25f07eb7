/**
 * `rebuy serve`: builds the server's dependencies, listens, loads the model, reloads it on SIGHUP
 * and shuts down gracefully on SIGTERM/SIGINT. The server itself is createApp in src/server/app.ts.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { fileNotFound, isSystemFailure, systemError, usageError } from '../errors.js';
import { packageVersions } from '../paths.js';
import { isLoopback, validateApiKey } from '../server/auth.js';
import { createApp, DEFAULT_SERVER_OPTIONS, type ScoreFile } from '../server/app.js';
import { createModelHolder, type LoadPredictor, type ModelHolder, type ModelSource } from '../server/model-holder.js';
import { followAlias } from '../server/alias-follower.js';
import { formatRef, isVersionRef, parseStoreRef, type StoreRef } from '../bundle/ref.js';
import { fileStore, type ModelStore } from '../bundle/store.js';
import { resolveModelOption, storeLocation } from './options.js';
import { SERVE_DEFAULTS, SERVER_LIMITS } from '../config.js';

export interface ServeFlags {
  /** A bundle directory, or NAME/vN or NAME@ALIAS in the store (an alias is followed). */
  model: string;
  store?: string;
  host?: string;
  port?: number;
  apiKeyFile?: string;
  maxBatch?: number;
  maxUploadMb?: number;
  /** Requests per minute per key (or per IP); 0 = off. */
  rateLimit?: number;
  cors?: string;
  /** Reload may load bundle directories inside this one; default: only `model`. */
  modelsRoot?: string;
  /** pino level for the server log on stderr (default warn). */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Seconds to let in-flight requests finish on SIGTERM before connections are cut (default 30). */
  graceSeconds?: number;
}

export interface ServeDeps {
  loadPredictor?: LoadPredictor;
  scoreFile?: ScoreFile;
  env?: NodeJS.ProcessEnv;
  /** Install SIGHUP/SIGTERM/SIGINT handlers (default true). */
  signals?: boolean;
  /** One line of progress for the operator (default: stderr). */
  log?: (line: string) => void;
  /** How often to look at a followed alias when the file system sends no event (default 1 s). */
  aliasPollMs?: number;
}

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  models: ModelHolder;
  /** Loads the bundle again (or another one) and swaps it in; the old one keeps serving on failure. */
  reload(dir?: string): Promise<void>;
  /** Graceful: in-flight requests finish, then everything closes. */
  close(): Promise<void>;
}

export const DEFAULT_HOST = SERVE_DEFAULTS.host;
export const DEFAULT_PORT = SERVE_DEFAULTS.port;
const MB = 1024 * 1024;

async function resolveApiKey(flags: ServeFlags, env: NodeJS.ProcessEnv): Promise<string | null> {
  if (flags.apiKeyFile !== undefined) {
    const text = await readFile(flags.apiKeyFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw fileNotFound(flags.apiKeyFile!);
      throw usageError(`cannot read the API key file ${flags.apiKeyFile}: ${err.message}`);
    });
    return validateApiKey(text, flags.apiKeyFile);
  }
  const fromEnv = env.REBUY_API_KEY;
  return fromEnv === undefined || fromEnv === '' ? null : validateApiKey(fromEnv, 'REBUY_API_KEY');
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function checkRange(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isFinite(value) || value < min || value > max) throw usageError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/** A host as given, URL-style brackets around an IPv6 address taken off (`[::1]` → `::1`). */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Listens, or says in one line which address and port could not be had and why (exit 2). */
async function listenOn(app: FastifyInstance, host: string, port: number): Promise<void> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close().catch(() => {});
    if (isSystemFailure(err)) throw systemError(`cannot listen on ${host.includes(':') ? `[${host}]` : host} port ${port}`, err);
    throw err;
  }
}

export async function runServe(flags: ServeFlags, deps: ServeDeps = {}): Promise<RunningServer> {
  const log = deps.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const host = bareHost(flags.host ?? DEFAULT_HOST);
  if (host === '') throw usageError('--host is empty');
  const port = checkRange('--port', flags.port ?? DEFAULT_PORT, 0, 65_535);
  const apiKey = await resolveApiKey(flags, deps.env ?? process.env);
  if (apiKey === null && !isLoopback(host)) {
    throw usageError(
      `refusing to listen on ${host} without an API key: anyone on the network could use the model. ` +
        'Set REBUY_API_KEY or pass --api-key-file FILE (or listen on 127.0.0.1).',
    );
  }
  const maxBatch = checkRange('--max-batch', flags.maxBatch ?? DEFAULT_SERVER_OPTIONS.maxBatch, 1, 1_000_000);
  const maxUploadBytes = Math.round(checkRange('--max-upload-mb', flags.maxUploadMb ?? SERVER_LIMITS.maxUploadBytes / MB, 0.001, 100_000) * MB);
  const rateLimitPerMinute = checkRange('--rate-limit', flags.rateLimit ?? DEFAULT_SERVER_OPTIONS.rateLimitPerMinute, 0);

  const loadPredictor: LoadPredictor =
    deps.loadPredictor ?? (async (dir) => (await import('../predict/predictor.js')).loadPredictor(dir, { threads: 1 }));
  const scoreFile: ScoreFile =
    deps.scoreFile ?? (async (predictor, input, options) => (await import('../predict/score-file.js')).scoreRows(predictor, input, options));

  const target = await resolveModelOption(flags.model, flags.store, deps.env ?? process.env);
  const stored = target.stored === null ? null : storeSourceOf(flags, deps.env ?? process.env);
  const models = createModelHolder(loadPredictor, {
    bundleDir: target.dir,
    ...(stored && { source: stored.source }),
    onCloseError: (err) => log(`rebuy: closing a replaced model failed: ${String(err)}`),
  });
  const app = createApp({
    models,
    scoreFile,
    options: {
      apiKey,
      maxBatch,
      maxUploadBytes,
      rateLimitPerMinute,
      corsOrigin: flags.cors ?? null,
      modelsRoot: flags.modelsRoot ?? null,
      logger: { level: flags.logLevel ?? 'warn', stream: process.stderr },
      version: packageVersions().rebuy ?? DEFAULT_SERVER_OPTIONS.version,
    },
    onReload: ({ hash, error }) =>
      log(error === undefined ? `rebuy: reloaded, now serving model ${hash?.slice(0, 12)}` : `rebuy: reload refused, the old model keeps serving: ${messageOf(error)}`),
  });

  await listenOn(app, host, port);
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  // Listening first: /readyz answers 503 while the model loads.
  try {
    const predictor = await models.load();
    log(`rebuy: serving model ${predictor.bundleHash.slice(0, 12)} from ${describeServing(models, flags.model)}`);
  } catch (err) {
    await app.close();
    throw err;
  }
  log(`rebuy: listening on ${url} (web page at /, API docs at /docs)${apiKey === null ? '' : '; API key required'}`);

  let closing: Promise<void> | null = null;
  const graceMs = (flags.graceSeconds ?? SERVE_DEFAULTS.graceSeconds) * 1000;
  const onHup = (): void => {
    log('rebuy: SIGHUP: reloading the model');
    reload().catch((err: unknown) => log(`rebuy: reload refused, the old model keeps serving: ${messageOf(err)}`));
  };
  const onTerm = (signal: NodeJS.Signals): void => {
    log(`rebuy: ${signal}: finishing requests in flight, then stopping`);
    void close();
  };

  const stopFollowing =
    stored !== null && !isVersionRef(stored.ref)
      ? followAlias(models, (onChange) => stored.store.watchAliases(stored.ref.name, onChange, { pollMs: deps.aliasPollMs }), {
          onSwap: (hash) => log(`rebuy: ${formatRef(stored.ref)} moved: now serving ${describeServing(models, flags.model)} (model ${hash.slice(0, 12)})`),
          onRefused: (err) => log(`rebuy: ${formatRef(stored.ref)} moved, but the new version was refused; the old one keeps serving: ${messageOf(err)}`),
        })
      : () => undefined;

  async function close(): Promise<void> {
    closing ??= (async () => {
      stopFollowing();
      if (deps.signals !== false) {
        process.off('SIGHUP', onHup);
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onTerm);
      }
      const timer = setTimeout(() => app.server.closeAllConnections(), graceMs);
      timer.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(timer);
      }
      log('rebuy: stopped');
    })();
    return closing;
  }

  async function reload(dir?: string): Promise<void> {
    const predictor = await models.load(dir);
    log(`rebuy: reloaded, now serving model ${predictor.bundleHash.slice(0, 12)} from ${describeServing(models, dir ?? flags.model)}`);
  }

  if (deps.signals !== false) {
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onTerm);
  }
  return { url, app, models, reload, close };
}

/** The store and the reference a server started on NAME/vN or NAME@ALIAS reads, resolved again at each load. */
function storeSourceOf(flags: ServeFlags, env: NodeJS.ProcessEnv): { store: ModelStore; ref: StoreRef; source: ModelSource } {
  const store = fileStore(storeLocation(flags.store, env));
  const ref = parseStoreRef(flags.model, '--model');
  const source: ModelSource = async () => {
    const version = await store.resolve(ref);
    return { dir: version.dir, origin: { name: version.name, version: version.version, alias: version.alias } };
  };
  return { store, ref, source };
}

/** What is serving, for the log: the stored version (and the alias followed), or the directory. */
function describeServing(models: ModelHolder, given: string): string {
  const origin = models.origin;
  if (origin === null) return given;
  return `${origin.name}/v${origin.version}${origin.alias === null ? '' : ` (${origin.name}@${origin.alias})`}`;
}
