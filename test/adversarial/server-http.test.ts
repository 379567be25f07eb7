/** Hostile HTTP: what Node's parser refuses and JSON that is not what it seems, all in the one error shape. */
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIOBOOKS_SCHEMA, EXAMPLE_CUSTOMER } from '../../src/domain/audiobooks.js';
import { recordsToColumns } from '../../src/predict/records.js';
import { expectErrorShape, makeApp } from '../server/helpers.js';

let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  ({ app } = await makeApp());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
});
afterAll(async () => {
  await app?.close();
});

/** Sends raw bytes and reads until the server closes the connection. */
function raw(request: string): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]), headers: head, body });
    });
    socket.end(request);
  });
}

describe("Node's own refusals", () => {
  it('431 for headers that are too large', async () => {
    const res = await raw(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.headers).toMatch(/content-type: application\/json/i);
    expect(expectErrorShape(res.body, 'HEADERS_TOO_LARGE').message).toMatch(/headers are too large/);
  });

  it('400 for a Content-Length that is not a number, or two that disagree', async () => {
    for (const lengths of ['Content-Length: abc', 'Content-Length: 5\r\nContent-Length: 6', 'Content-Length: -1']) {
      const res = await raw(`POST /v1/predictions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${lengths}\r\n\r\n{}`);
      expect(res.status, lengths).toBe(400);
      expectErrorShape(res.body, 'MALFORMED');
    }
  });

  it('400 for a request line that is not HTTP', async () => {
    const res = await raw('HELLO\r\n\r\n');
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'MALFORMED');
  });
});

describe('JSON numbers are real numbers', () => {
  async function predict(payload: unknown) {
    return app.inject({ method: 'POST', url: '/v1/predictions', payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
  }

  it('refuses true, [1] and {} where a number belongs', async () => {
    for (const value of [true, false, [1], [], { a: 1 }]) {
      const single = await predict({ ...EXAMPLE_CUSTOMER, completion: value });
      expect(single.statusCode, JSON.stringify(value)).toBe(422);
      expect(expectErrorShape(single.body, 'INPUT_INVALID').field).toBe('completion');
      const batch = await predict({ customers: [EXAMPLE_CUSTOMER, { ...EXAMPLE_CUSTOMER, completion: value }] });
      expect(batch.statusCode, JSON.stringify(value)).toBe(422);
      expect(expectErrorShape(batch.body, 'INPUT_INVALID').field).toBe('customers[1].completion');
    }
  });

  it('refuses strings that are not decimal numbers (as CSV does), and takes those that are', () => {
    const column = (value: string) => recordsToColumns(AUDIOBOOKS_SCHEMA, [{ ...EXAMPLE_CUSTOMER, completion: value }]).numeric.get('completion')![0];
    for (const value of ['0x10', '0b101', '0o7', 'Infinity', '-Infinity', 'NaN', '1_000', '1e', '1,5', '--1']) {
      expect(() => column(value), value).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', location: expect.objectContaining({ field: 'customers[0].completion' }) }));
    }
    const accepted: [string, number][] = [['0.5', 0.5], [' 12 ', 12], ['-3', -3], ['+4.25', 4.25], ['1e2', 100], ['.5', 0.5], ['7.', 7]];
    for (const [value, expected] of accepted) expect(column(value), value).toBe(expected);
  });

  it('customers that is not an array says so', async () => {
    for (const customers of [null, 'x', 3, { a: 1 }]) {
      const res = await predict({ customers });
      expect(res.statusCode).toBe(422);
      const error = expectErrorShape(res.body, 'INPUT_INVALID');
      expect(error.message).toBe('customers: must be an array');
      expect(error.field).toBe('customers');
    }
    const res = await predict({ customers: [EXAMPLE_CUSTOMER, null] });
    expect(expectErrorShape(res.body, 'INPUT_INVALID').message).toBe('customers[1]: must be an object');
  });
});
