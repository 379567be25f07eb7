/** The error catalog: every error rebuy raises on purpose, with its CLI exit code and HTTP status. */

interface CodeMeaning {
  exitCode: 1 | 2;
  httpStatus: number;
}

/**
 * Every code, with its meaning for the CLI (2: the user's input or the machine's state, 1: ours) and
 * for HTTP (4xx: the client's request; 5xx: the server's machine or our bug).
 */
const MEANINGS = {
  /** The user's data is wrong: file, line, column, value. */
  INPUT_INVALID: { exitCode: 2, httpStatus: 422 },
  /** A document that cannot be parsed at all: bad JSON syntax, broken CSV structure. */
  MALFORMED: { exitCode: 2, httpStatus: 400 },
  FILE_NOT_FOUND: { exitCode: 2, httpStatus: 404 },
  /** Bad flags or options. */
  USAGE: { exitCode: 2, httpStatus: 400 },
  /** A model bundle that is missing, altered or unreadable. */
  BUNDLE_INVALID: { exitCode: 2, httpStatus: 422 },
  PAYLOAD_TOO_LARGE: { exitCode: 2, httpStatus: 413 },
  UNSUPPORTED_MEDIA_TYPE: { exitCode: 2, httpStatus: 415 },
  UNAUTHORIZED: { exitCode: 2, httpStatus: 401 },
  /** Understood, but not allowed: a reload from outside the models root, a Host that is not this server. */
  FORBIDDEN: { exitCode: 2, httpStatus: 403 },
  /** The request's headers are larger than the server reads. */
  HEADERS_TOO_LARGE: { exitCode: 2, httpStatus: 431 },
  /** The request did not arrive in time. */
  REQUEST_TIMEOUT: { exitCode: 2, httpStatus: 408 },
  NOT_FOUND: { exitCode: 2, httpStatus: 404 },
  RATE_LIMITED: { exitCode: 2, httpStatus: 429 },
  /**
   * The machine refused a file, directory or port it was pointed at: permission, a symlink loop, a
   * name too long, a read-only disk, a port in use. Not the client's doing when it happens to a server.
   */
  SYSTEM: { exitCode: 2, httpStatus: 500 },
  /** The disk (or the quota) is full. */
  NO_SPACE: { exitCode: 2, httpStatus: 507 },
  /** DuckDB needed more memory than the limit it was given (`rebuy score --memory-limit` raises it). */
  MEMORY_LIMIT: { exitCode: 2, httpStatus: 507 },
  NOT_READY: { exitCode: 1, httpStatus: 503 },
  /** Too many requests in flight; retry shortly. */
  OVERLOADED: { exitCode: 1, httpStatus: 503 },
  INTERNAL: { exitCode: 1, httpStatus: 500 },
  /** An engine rebuy handed a job to (a Spark cluster) failed it midway: workers lost, the job killed. */
  ENGINE_FAILED: { exitCode: 1, httpStatus: 502 },
} as const satisfies Record<string, CodeMeaning>;

export type ErrorCode = keyof typeof MEANINGS;

/** Every error code, in the catalog's order (the API documents exactly these). */
export const ERROR_CODES = Object.keys(MEANINGS) as readonly ErrorCode[];

/** Where in the user's input the problem is. Lines are 1-based file lines (the header is line 1). */
export interface InputLocation {
  file?: string;
  line?: number;
  column?: string;
  value?: string;
  /** For JSON inputs: the field path, e.g. `customers[3].completion`. */
  field?: string;
}

export class RebuyError extends Error {
  readonly code: ErrorCode;
  readonly location: InputLocation;

  constructor(code: ErrorCode, message: string, location: InputLocation = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RebuyError';
    this.code = code;
    this.location = location;
  }

  get exitCode(): 1 | 2 {
    return MEANINGS[this.code].exitCode;
  }

  get httpStatus(): number {
    return MEANINGS[this.code].httpStatus;
  }
}

const MAX_VALUE_SHOWN = 60;

/** Quotes a bad value for a message, cut short so a message never echoes a whole input. */
export function quoteValue(value: string): string {
  const shown = value.length > MAX_VALUE_SHOWN ? `${value.slice(0, MAX_VALUE_SHOWN)}…` : value;
  return JSON.stringify(shown);
}

function describeLocation(loc: InputLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file);
  else if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.column !== undefined) parts.push(`column ${JSON.stringify(loc.column)}`);
  if (loc.field !== undefined) parts.push(`field ${loc.field}`);
  return parts.join(', ');
}

/** The user's input is wrong. The message says where and which value. */
export function inputError(problem: string, loc: InputLocation = {}, cause?: unknown): RebuyError {
  const where = describeLocation(loc);
  const value = loc.value !== undefined ? ` (value ${quoteValue(loc.value)})` : '';
  return new RebuyError('INPUT_INVALID', `${where ? `${where}: ` : ''}${problem}${value}`, loc, { cause });
}

/** The user's document cannot be parsed at all (CSV structure, encoding); HTTP 400 rather than 422. */
export function malformedInput(problem: string, loc: InputLocation = {}, cause?: unknown): RebuyError {
  const err = inputError(problem, loc, cause);
  return new RebuyError('MALFORMED', err.message, loc, { cause });
}

export function fileNotFound(file: string): RebuyError {
  return new RebuyError('FILE_NOT_FOUND', `${file}: no such file`, { file });
}

export function usageError(message: string): RebuyError {
  return new RebuyError('USAGE', message);
}

export function bundleError(dir: string, problem: string, cause?: unknown): RebuyError {
  return new RebuyError('BUNDLE_INVALID', `model bundle ${dir}: ${problem}`, { file: dir }, { cause });
}

/** A file rebuy was told to write cannot be written as asked (a directory, a device, a missing directory). */
export function outputError(path: string, problem: string, cause?: unknown): RebuyError {
  return new RebuyError('USAGE', `cannot write ${path}: ${problem}`, { file: path }, { cause });
}

/** What an errno code means, in words, for the errors the user or the machine causes (not our bugs). */
const SYSTEM_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many levels of symbolic links (a symlink loop?)',
  ENAMETOOLONG: 'file name too long',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EROFS: 'read-only file system',
  EBUSY: 'device or resource busy',
  ETXTBSY: 'text file busy',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  EXDEV: 'not on the same file system',
  ENXIO: 'no such device or address',
  ENODEV: 'no such device',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EPIPE: 'closed by the reader before everything was written',
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'address not available on this machine',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name cannot be resolved now',
};

interface SystemFailure {
  code?: unknown;
  path?: unknown;
  syscall?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
}

function errnoCode(err: unknown): string | null {
  if (typeof err !== 'object' || err === null) return null;
  const code = (err as SystemFailure).code;
  return typeof code === 'string' && code in SYSTEM_PROBLEMS ? code : null;
}

/** Whether a thrown value is the machine refusing something (an errno error of the kinds above). */
export function isSystemFailure(err: unknown): boolean {
  return errnoCode(err) !== null;
}

/**
 * The machine refused `subject` (a path, "standard output", "port 8080 on 127.0.0.1"): one line naming
 * it and saying why. A full disk is NO_SPACE; everything else SYSTEM.
 */
export function systemError(subject: string, err: unknown): RebuyError {
  const code = errnoCode(err);
  const problem = code === null ? (err instanceof Error ? err.message : String(err)) : SYSTEM_PROBLEMS[code]!;
  const kind: ErrorCode = code === 'ENOSPC' || code === 'EDQUOT' ? 'NO_SPACE' : code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'SYSTEM';
  return new RebuyError(kind, `${subject}: ${problem}`, { file: subject }, { cause: err });
}

/**
 * A system error that reached the top without a RebuyError around it, named by what the error itself
 * says (its path, or its address and port); null for anything else, which stays a bug of ours.
 */
export function asSystemError(err: unknown): RebuyError | null {
  if (errnoCode(err) === null) return null;
  const e = err as SystemFailure;
  if (typeof e.path === 'string') return systemError(e.path, err);
  if (typeof e.port === 'number' || typeof e.address === 'string') {
    return systemError(`${typeof e.address === 'string' ? e.address : 'address'}${typeof e.port === 'number' ? ` port ${e.port}` : ''}`, err);
  }
  if (typeof e.hostname === 'string') return systemError(e.hostname, err);
  return null;
}

/** A failure of DuckDB's own I/O that means a full disk (DuckDB reports it as text, not as an errno). */
export function isDiskFullMessage(err: unknown): boolean {
  return err instanceof Error && /no space left on device|disk quota exceeded/i.test(err.message);
}

export function internalError(message: string, cause?: unknown): RebuyError {
  return new RebuyError('INTERNAL', message, {}, { cause });
}

export function isRebuyError(err: unknown): err is RebuyError {
  return err instanceof RebuyError;
}

/** The exit code for any thrown value: 2 for the user's input, 1 for our fault. */
export function exitCodeOf(err: unknown): 1 | 2 {
  return isRebuyError(err) ? err.exitCode : 1;
}

export function httpStatusOfCode(code: ErrorCode): number {
  return MEANINGS[code].httpStatus;
}

export function httpStatusOf(err: unknown): number {
  return isRebuyError(err) ? err.httpStatus : 500;
}
