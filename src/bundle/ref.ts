/**
 * References to models in a store: `NAME/vN` (one immutable version) and `NAME@ALIAS` (whatever
 * version the alias points to now). Names and aliases are one plain path component each, so no
 * reference can name anything outside its own directory of the store.
 */
import { quoteValue, usageError, type RebuyError } from '../errors.js';

export interface VersionRef {
  name: string;
  version: number;
}
export interface AliasRef {
  name: string;
  alias: string;
}
export type StoreRef = VersionRef | AliasRef;

/** Lower case (two names must not differ only by case on a case-insensitive disk), digits, `.`, `_`, `-`. */
const WORD = /^[a-z0-9][a-z0-9._-]*$/;
export const MAX_WORD_LENGTH = 64;
/** Versions count from 1, without leading zeros; a billion leaves room for a model a minute for ages. */
const VERSION = /^v([1-9][0-9]{0,8})$/;
const REF_SHAPE = /^([^/@]+)(?:\/(v[0-9]+)|@([^/@]+))$/;

const WORD_RULE = `lower-case letters, digits, ".", "_" and "-", starting with a letter or digit, at most ${MAX_WORD_LENGTH} characters`;

function refused(what: string, value: string, rule: string): RebuyError {
  return usageError(`${what} ${quoteValue(value)} is refused: ${rule}`);
}

function checkWord(what: string, plural: string, value: string): string {
  if (value.length > MAX_WORD_LENGTH || !WORD.test(value)) throw refused(what, value, `${plural} are ${WORD_RULE}`);
  return value;
}

/** A model name as the store keeps it; anything else (`..`, `a/b`, `/abs`, spaces) is exit 2 naming it. */
export function checkModelName(value: string): string {
  return checkWord('model name', 'model names', value);
}

/** An alias name; `vN` is refused so that `NAME@v3` never reads as a version. */
export function checkAliasName(value: string): string {
  checkWord('alias', 'aliases', value);
  if (VERSION.test(value)) throw refused('alias', value, 'an alias may not look like a version (vN)');
  return value;
}

export function isVersionRef(ref: StoreRef): ref is VersionRef {
  return 'version' in ref;
}

export function formatRef(ref: StoreRef): string {
  return isVersionRef(ref) ? `${ref.name}/v${ref.version}` : `${ref.name}@${ref.alias}`;
}

/**
 * Whether a `--model` value is meant as a store reference: it has the shape NAME/vN or NAME@ALIAS
 * (one slash or one `@`, nothing before a dot-slash). Anything else is a path, and so is any value
 * written as `./…`, `../…` or `/…`.
 */
export function hasRefShape(value: string): boolean {
  return REF_SHAPE.test(value) && !value.startsWith('.');
}

/** Parses `NAME/vN` or `NAME@ALIAS`; anything else is exit 2 naming the value and the rule. */
export function parseStoreRef(value: string, what = 'model reference'): StoreRef {
  const shape = REF_SHAPE.exec(value);
  if (!shape || value.startsWith('.')) {
    throw refused(what, value, 'write NAME/vN for a version or NAME@ALIAS for the version an alias points to');
  }
  try {
    const name = checkModelName(shape[1]!);
    if (shape[3] !== undefined) return { name, alias: checkAliasName(shape[3]) };
    return { name, version: parseVersion(shape[2]!, value) };
  } catch (err) {
    throw usageError(`${what} ${quoteValue(value)}: ${(err as Error).message}`);
  }
}

/** Parses `NAME/vN` only (a command that acts on one immutable version). */
export function parseVersionRef(value: string, what = 'model version'): VersionRef {
  const ref = parseStoreRef(value, what);
  if (!isVersionRef(ref)) throw refused(what, value, 'name one version, as NAME/vN');
  return ref;
}

/** Parses `NAME@ALIAS` only. */
export function parseAliasRef(value: string, what = 'alias reference'): AliasRef {
  const ref = parseStoreRef(value, what);
  if (isVersionRef(ref)) throw refused(what, value, 'name an alias, as NAME@ALIAS');
  return ref;
}

function parseVersion(text: string, whole: string): number {
  const match = VERSION.exec(text);
  if (!match) throw refused('model version', whole, 'a version is v followed by a whole number from 1, as in churn/v3');
  return Number(match[1]);
}

/** The directory name of a version inside its model's directory. */
export function versionDirName(version: number): string {
  return `v${version}`;
}

/** The version a directory name holds, or null for any other entry. */
export function versionOfDirName(name: string): number | null {
  const match = VERSION.exec(name);
  return match ? Number(match[1]) : null;
}
