/** API keys: where a client puts one, and a constant-time check against the configured key. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { RebuyError } from '../errors.js';

/** True when `presented` is the configured key. Compares SHA-256 digests in constant time. */
export type KeyCheck = (presented: string | undefined) => boolean;

const MIN_KEY_LENGTH = 16;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function createKeyCheck(apiKey: string): KeyCheck {
  const expected = digest(apiKey);
  return (presented) => presented !== undefined && timingSafeEqual(digest(presented), expected);
}

/** The key a request carries: `Authorization: Bearer KEY` or `x-api-key: KEY`. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (auth !== undefined && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') return auth.slice(7).trim();
  const key = headers['x-api-key'];
  return typeof key === 'string' ? key.trim() : undefined;
}

export function unauthorized(presented: string | undefined): RebuyError {
  return new RebuyError(
    'UNAUTHORIZED',
    presented === undefined
      ? 'an API key is required: send "Authorization: Bearer KEY" or "x-api-key: KEY"'
      : 'the API key is not valid',
  );
}

/** A key read from a file or the environment: trimmed, and long enough to be a secret. */
export function validateApiKey(key: string, source: string): string {
  const trimmed = key.trim();
  if (trimmed.length < MIN_KEY_LENGTH) {
    throw new RebuyError('USAGE', `the API key from ${source} is too short: use at least ${MIN_KEY_LENGTH} characters`);
  }
  if (/\s/.test(trimmed)) throw new RebuyError('USAGE', `the API key from ${source} contains whitespace`);
  return trimmed;
}

export function isLoopback(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.toLowerCase().startsWith('::ffff:')) return h.slice(7).startsWith('127.');
  return false;
}

/** A Host header naming a loopback address (any port); a request without one comes from no browser. */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '');
  return isLoopback(name.toLowerCase());
}
