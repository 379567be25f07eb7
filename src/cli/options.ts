import { existsSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { RebuyError, isRebuyError } from '../errors.js';
import { STORE_DEFAULTS } from '../config.js';
import { checkModelName, hasRefShape, parseStoreRef, type StoreRef } from '../bundle/ref.js';
import { directoryHistory, storeHistory, type MonitorHistory } from '../monitor/history.js';
import type { ModelStore, ResolvedVersion } from '../bundle/store.js';

const DELIMITERS: Record<string, string> = { ',': ',', ';': ';', '|': '|', tab: '\t', '\t': '\t', '\\t': '\t' };

export function parseDelimiterOption(value: string): string {
  const delimiter = DELIMITERS[value];
  if (delimiter === undefined) throw new InvalidArgumentError(`expected one of , ; | tab, got ${JSON.stringify(value)}`);
  return delimiter;
}

/** The options that say how to read a CSV file the reader cannot tell by itself. */
export function readingOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--delimiter <char>', 'CSV field separator: , ; | or tab (default: , or the one the header shows)').argParser(parseDelimiterOption))
    .addOption(new Option('--decimal <mark>', 'decimal mark in numbers: . or , (default: . or, with ; as separator, what the values show)').choices(['.', ',']));
}

export function parseIntOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number, got ${JSON.stringify(value)}`);
  return n;
}

export function parseNumberOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got ${JSON.stringify(value)}`);
  return n;
}

/** A memory size as DuckDB takes it: a number and a unit, e.g. 512MB, 2GB, 1.5GiB. */
export function parseMemoryOption(value: string): string {
  const size = /^\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i.exec(value);
  if (!size || Number(size[1]) <= 0) throw new InvalidArgumentError(`expected a size such as 512MB or 2GB, got ${JSON.stringify(value)}`);
  return `${size[1]}${size[2]}`;
}

export function parseListOption(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const numbers = parts.map(Number);
  if (parts.some((s) => s === '') || numbers.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new InvalidArgumentError(`expected positive whole numbers separated by commas, got ${JSON.stringify(value)}`);
  }
  return numbers;
}

/** For a repeatable list flag: --hidden 50,50 --hidden 100 → [[50, 50], [100]]. */
export function collectList(value: string, previous: number[][]): number[][] {
  return [...previous, parseListOption(value)];
}

/** Each long flag of the program's commands, by the name the library gives that option (`rankBy` → `--rank-by`). */
export function flagsByOptionName(program: Command): Map<string, string> {
  const flags = new Map<string, string>();
  for (const command of [program, ...program.commands]) {
    for (const option of command.options) if (option.long && !option.negate) flags.set(option.attributeName(), option.long);
  }
  return flags;
}

/**
 * A library message in the CLI's words: the library names its options in backticks (`target`), and
 * each one the CLI sets by a flag becomes that flag (--target). Other backticked words stay as they are.
 */
export function inFlagTerms(message: string, flags: ReadonlyMap<string, string>): string {
  return message.replace(/`([A-Za-z][A-Za-z0-9]*)`/g, (quoted, name: string) => flags.get(name) ?? quoted);
}

// ---------------------------------------------------------------------------------------------
// --model: a bundle directory or a reference into the model store

export const MODEL_REF_HELP = 'model bundle directory, or a version in the store: NAME/vN or NAME@ALIAS (write ./DIR for a directory of that shape)';

/** --store, shared by every command that takes a model reference. */
export function storeOption(): Option {
  return new Option('--store <dir>', `model store directory (default: $${STORE_DEFAULTS.env}, else ./${STORE_DEFAULTS.dir})`);
}

/** The store a command uses: --store, else $REBUY_STORE, else ./rebuy-models. */
export function storeLocation(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[STORE_DEFAULTS.env];
  return flag ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : STORE_DEFAULTS.dir);
}

export interface ModelTarget {
  /** The bundle directory to read. */
  dir: string;
  /** The version in the store it is, or null for a directory given as a path. */
  stored: ResolvedVersion | null;
}

/**
 * The one rule for every --model: a value shaped NAME/vN or NAME@ALIAS (one component, a slash and
 * vN, or an `@`; not starting with a dot) is a store reference, always; anything else is a path.
 */
export async function resolveModelOption(given: string, store: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<ModelTarget> {
  if (!hasRefShape(given)) return { dir: given, stored: null };
  const ref = parseStoreRef(given, '--model');
  try {
    return await resolved(await openStore(store, env), ref);
  } catch (err) {
    if (isRebuyError(err) && err.code === 'NOT_FOUND' && existsSync(given)) {
      throw new RebuyError('NOT_FOUND', `${err.message}; for the directory ${given}, write ./${given}`);
    }
    throw err;
  }
}

async function resolved(store: ModelStore, ref: StoreRef): Promise<ModelTarget> {
  const version = await store.resolve(ref);
  return { dir: version.dir, stored: version };
}

export async function openStore(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<ModelStore> {
  const { fileStore } = await import('../bundle/store.js');
  return fileStore(storeLocation(flag, env));
}

/** `--history` names a directory of recorded monitoring runs, or else a model in the store (its runs beside its versions). */
export async function historyNamed(value: string, store: string | undefined): Promise<MonitorHistory> {
  if (existsSync(value)) return directoryHistory(value);
  return storeHistory(await openStore(store), checkModelName(value));
}
