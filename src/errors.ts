/** The error catalog: every error rebuy raises on purpose, with its CLI exit code and HTTP status. */

interface CodeMeaning {
  exitCode: 1 | 2;
  httpStatus: number;
}

/** Every code, with its meaning for the CLI (2: the user's input, 1: ours) and for HTTP. */
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
  NOT_READY: { exitCode: 1, httpStatus: 503 },
  /** Too many requests in flight; retry shortly. */
  OVERLOADED: { exitCode: 1, httpStatus: 503 },
  INTERNAL: { exitCode: 1, httpStatus: 500 },
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
