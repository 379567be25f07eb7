/**
 * What POST /v1/model/reload may load. Without a models root: only the configured bundle directory
 * (the body may name it, or leave it out). With one: any directory inside it, named relative to it
 * or absolutely, checked both as written and with links resolved, so neither `..` nor a symbolic
 * link leads out. A request can never make the server read an arbitrary directory.
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { RebuyError } from '../errors.js';

export interface ReloadPolicy {
  /** The directory the server was started with. */
  configuredDir: string | null;
  /** Directories inside it may be reloaded by name; null: only the configured directory. */
  modelsRoot: string | null;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

async function real(path: string): Promise<string | null> {
  return realpath(path).catch(() => null);
}

function forbidden(message: string): RebuyError {
  return new RebuyError('FORBIDDEN', message, { field: 'model' });
}

/** The directory to load for a reload naming `requested` (undefined: the serving directory again). */
export async function reloadTarget(requested: string | undefined, policy: ReloadPolicy): Promise<string | undefined> {
  if (requested === undefined) return undefined;
  const configured = policy.configuredDir === null ? null : resolve(policy.configuredDir);
  if (policy.modelsRoot === null) {
    if (configured !== null && resolve(requested) === configured) return policy.configuredDir ?? undefined;
    throw forbidden('this server reloads only the bundle directory it was started with (start it with --models-root DIR to reload others inside DIR)');
  }
  const root = resolve(policy.modelsRoot);
  const candidate = resolve(root, requested);
  if (candidate === configured) return policy.configuredDir ?? undefined;
  const outside = forbidden('a reload may load only a directory inside the models root');
  if (!inside(root, candidate)) throw outside;
  const [realRoot, realCandidate] = await Promise.all([real(root), real(candidate)]);
  // A path that does not exist is left for the load to report; one that exists must stay inside.
  if (realCandidate === null) return candidate;
  if (realRoot === null || !inside(realRoot, realCandidate)) throw outside;
  return realCandidate;
}
