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
 * Uploads a CSV file and returns the scored rows: a response model's ranked rows with their top
 * reasons, or, when the server serves an uplift bundle, its answer for the money settings given.
 * @param {Blob} file
 * @param {{ contactCost: number, valuePerReturn: number }} [money] used by an uplift bundle only
 * @returns {Promise<any>}
 */
export async function scoreCsv(file, money) {
  const query = new URLSearchParams({ reasons: '3' });
  if (money) {
    query.set('contact_cost', String(money.contactCost));
    query.set('value_per_return', String(money.valuePerReturn));
  }
  const res = await fetch(`/v1/scores?${query}`, {
    method: 'POST',
    headers: withKey({ 'content-type': 'text/csv', accept: 'application/json' }),
    body: file,
  });
  if (!res.ok) throw await failure(res);
  return res.json();
}
