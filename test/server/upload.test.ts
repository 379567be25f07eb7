/** A too-large upload over a real socket is refused as soon as the limit is passed, not after it is all sent. */
import { request } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeApp } from './helpers.js';

const LIMIT = 1 << 20;
const CHUNK = Buffer.alloc(64 * 1024, 'a');
const TOTAL = 64 * LIMIT;

let app: FastifyInstance;
let port: number;
beforeAll(async () => {
  ({ app } = await makeApp({ maxUploadBytes: LIMIT }));
  port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port);
});
afterAll(async () => {
  await app.close();
});

/** Streams up to TOTAL bytes; resolves with the status and how much was sent when the answer came. */
function upload(headers: Record<string, string>): Promise<{ status: number; sentWhenAnswered: number; body: string }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/scores', headers: { 'content-type': 'text/csv', ...headers } }, (res) => {
      answered = true;
      const sentWhenAnswered = sent;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, sentWhenAnswered, body });
      });
    });
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const pump = (): void => {
      while (!answered && sent < TOTAL) {
        sent += CHUNK.length;
        if (!req.write(CHUNK)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('upload size limit over a socket', () => {
  it('streamed without Content-Length: 413 long before the whole body is sent', async () => {
    const { status, sentWhenAnswered, body } = await upload({});
    expect(status).toBe(413);
    expect(JSON.parse(body).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(sentWhenAnswered).toBeLessThan(TOTAL / 4);
  });

  it('with a Content-Length over the limit: 413 before the body is read', async () => {
    const { status, sentWhenAnswered } = await upload({ 'content-length': String(TOTAL) });
    expect(status).toBe(413);
    expect(sentWhenAnswered).toBeLessThan(TOTAL / 4);
  });

  it('the server keeps serving afterwards', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
  });
});
