// @ts-check
/** Calls to this server's API. Errors come back in the one shape {error: {code, message, field?, line?, column?}}. */

const KEY_STORE = 'rebuy.apiKey';

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {{ code?: string, message?: string, field?: string, line?: number, column?: string }} body
   */
  constructor(status, body) {
    super(body.message ?? `request failed (${status})`);
    this.status = status;
    this.code = body.code ?? 'UNKNOWN';
    this.field = body.field;
    this.line = body.line;
    this.column = body.column;
  }
}

export function getKey() {
  try {
    return sessionStorage.getItem(KEY_STORE);
  } catch {
    return null;
  }
}

/** @param {string | null} key */
export function setKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY_STORE, key);
    else sessionStorage.removeItem(KEY_STORE);
  } catch {
    /* storage unavailable: the key lives only in memory for this page */
  }
  memoryKey = key;
}

/** @type {string | null} */
let memoryKey = null;

/** @param {Record<string, string>} headers */
function withKey(headers) {
  const key = getKey() ?? memoryKey;
  return key ? { ...headers, authorization: `Bearer ${key}` } : headers;
}

/** @param {Response} res */
async function failure(res) {
  let body = {};
  try {
    body = (await res.json())?.error ?? {};
  } catch {
    /* not JSON */
  }
  return new ApiError(res.status, body);
}

export async function getModel() {
  const res = await fetch('/v1/model', { headers: withKey({ accept: 'application/json' }) });
  if (!res.ok) throw await failure(res);
  return res.json();
}

/**
 * Uploads a CSV file and returns the scored rows.
 * @param {Blob} file
 * @returns {Promise<{ model: string, threshold: number, seconds: number, rows: { id: string, probability: number | null, label: number, rank: number, reasons?: { text: string, direction?: 'raises' | 'lowers', actionable?: boolean }[] }[] }>}
 */
export async function scoreCsv(file) {
  const res = await fetch('/v1/scores?reasons=3', {
    method: 'POST',
    headers: withKey({ 'content-type': 'text/csv', accept: 'application/json' }),
    body: file,
  });
  if (!res.ok) throw await failure(res);
  return res.json();
}
