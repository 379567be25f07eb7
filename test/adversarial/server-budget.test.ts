/**
 * Uploads and JSON requests share one work budget, and only a body that has arrived takes work: a
 * client sending slowly holds none, and past the body timeout holds nothing at all. Driven through
 * real sockets, waiting on the server's state (a request seen, a gate reached), never on a delay.
 */
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIOBOOKS_COLUMNS, EXAMPLE_CUSTOMER } from '../../src/domain/audiobooks.js';
import { scoreRows } from '../../src/predict/score-file.js';
import { createApp, type ScoreFile, type ServerOptions } from '../../src/server/app.js';
import { createModelHolder } from '../../src/server/model-holder.js';
import { createWorkBudget, uploadCost, type WorkBudget } from '../../src/server/work-budget.js';
import { createGate, fakePredictor, type Gate } from '../server/fakes.js';
import { expectErrorShape } from '../server/helpers.js';

const CSV_HEADER = AUDIOBOOKS_COLUMNS.filter((c) => c !== 'target').join(',');
const csvOf = (rows: number): string =>
  `${CSV_HEADER}\n${Array.from({ length: rows }, (_, i) => `${i},1620,1620,19.73,19.73,1,10,0.99,1603.8,5,92`).join('\n')}\n`;
const batchOf = (n: number): string =>
  JSON.stringify({ customers: Array.from({ length: n }, (_, i) => ({ ...EXAMPLE_CUSTOMER, id: String(i) })) });

let tmpDir: string;
beforeEach(async () => {
  tmpDir = await mkdtemp(join(tmpdir(), 'rebuy-budget-'));
});
afterEach(async () => {
  await rm(tmpDir, { recursive: true, force: true });
});

interface Server {
  app: FastifyInstance;
  work: WorkBudget;
  port: number;
  /** Requests whose headers the server has read and whose body it has started to receive. */
  receiving: () => number;
}

/** The app over the fake predictor, listening on loopback; `scoreFile` may hold uploads at a gate. */
async function serve(options: Partial<ServerOptions> & { capacity: number; scoreGate?: Gate }): Promise<Server> {
  const { capacity, scoreGate, ...serverOptions } = options;
  const models = createModelHolder(async () => fakePredictor(), { bundleDir: '/bundles/fake' });
  await models.load();
  const work = createWorkBudget(capacity);
  const scoreFile: ScoreFile = async (predictor, path, scoreOptions) => {
    await scoreGate?.pass();
    return scoreRows(predictor, path, scoreOptions);
  };
  const app = createApp({ models, scoreFile, work, options: { rateLimitPerMinute: 0, tmpDir, ...serverOptions } });
  let receiving = 0;
  app.addHook('preParsing', async () => {
    receiving++;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, work, port: (app.server.address() as AddressInfo).port, receiving: () => receiving };
}

interface Answer {
  status: number;
  headers: string;
  body: string;
}

/** A client on a raw socket: sends the headers and as much of the body as asked, the rest later. */
function slowClient(port: number, path: string, contentType: string, body: string): { socket: Socket; sendRest: () => void; answer: Promise<Answer> } {
  const socket = connect(port, '127.0.0.1');
  const bytes = Buffer.from(body);
  const half = Math.floor(bytes.length / 2);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`);
  socket.write(bytes.subarray(0, half));
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined);
  const answer = once(socket, 'close').then(() => {
    const text = Buffer.concat(chunks).toString('utf8');
    const split = text.indexOf('\r\n\r\n');
    const head = split < 0 ? text : text.slice(0, split);
    return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]), headers: head, body: split < 0 ? '' : text.slice(split + 4) };
  });
  // Not end(): a client that half-closes its side has its request abandoned by Node's server.
  return { socket, sendRest: () => void socket.write(bytes.subarray(half)), answer };
}

const post = (server: Server, path: string, contentType: string, body: string, accept = '*/*'): Promise<Response> =>
  fetch(`http://127.0.0.1:${server.port}${path}`, { method: 'POST', headers: { 'content-type': contentType, accept }, body });

describe('the work budget', () => {
  it('a lease gives back part of its units when its work shrinks, never grows, and releases what it holds once', () => {
    const work = createWorkBudget(100);
    const lease = work.tryTake(80)!;
    expect(work.fits(30)).toBe(false);
    lease.shrink(50);
    expect(work.used).toBe(50);
    expect(work.fits(30)).toBe(true);
    lease.shrink(70);
    expect(work.used).toBe(50);
    lease.release();
    lease.release();
    expect(work.used).toBe(0);
  });
});

describe('uploads take their work from the budget JSON requests use', () => {
  it('an upload being scored holds the cost of its rows: work beyond it gets 503 with Retry-After, and it is given back at the end', async () => {
    const gate = createGate();
    const server = await serve({ capacity: 1000, scoreGate: gate });
    const csv = csvOf(200);
    const cost = uploadCost(Buffer.byteLength(csv), 0, 0);
    expect(cost).toBeGreaterThan(100);
    const upload = post(server, '/v1/scores', 'text/csv', csv);
    await gate.arrived(1);
    expect(server.work.used).toBe(cost);

    // A JSON batch that would fit an empty budget but not beside the upload.
    const batch = await post(server, '/v1/predictions', 'application/json', batchOf(1000 - cost + 1));
    expect(batch.status).toBe(503);
    expect(batch.headers.get('retry-after')).toBe('1');
    expectErrorShape(await batch.text(), 'OVERLOADED');
    // Another upload too large for what is left is refused before its body is read.
    expect(server.work.fits(uploadCost(Buffer.byteLength(csvOf(2000)), 0, 0))).toBe(false);
    const second = await post(server, '/v1/scores', 'text/csv', csvOf(2000));
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    expectErrorShape(await second.text(), 'OVERLOADED');
    // What fits still runs.
    expect((await post(server, '/v1/predictions', 'application/json', batchOf(5))).status).toBe(200);

    gate.open();
    const answered = await upload;
    expect(answered.status).toBe(200);
    expect((await answered.text()).trim().split('\n')).toHaveLength(201);
    await expect.poll(() => server.work.used).toBe(0);
    await server.app.close();
  });

  it('an upload with reasons costs the explanations of its best rows too', async () => {
    const gate = createGate();
    const server = await serve({ capacity: 1_000_000, scoreGate: gate, maxReasonRows: 10 });
    const csv = csvOf(20);
    const upload = post(server, '/v1/scores?reasons=2', 'text/csv', csv, 'application/json');
    await gate.arrived(1);
    const withoutReasons = uploadCost(Buffer.byteLength(csv), 0, 0);
    expect(server.work.used).toBeGreaterThan(withoutReasons + 10);
    gate.open();
    expect((await upload).status).toBe(200);
    await expect.poll(() => server.work.used).toBe(0);
    await server.app.close();
  });

  it('the work of an upload whose client went away is given back once its scoring stops, and its files go', async () => {
    const gate = createGate();
    const server = await serve({ capacity: 1000, scoreGate: gate });
    const client = slowClient(server.port, '/v1/scores', 'text/csv', csvOf(200));
    client.sendRest();
    await gate.arrived(1);
    expect(server.work.used).toBeGreaterThan(0);
    client.socket.destroy();
    await client.answer;
    // Still scoring: the work is still held.
    expect(server.work.used).toBeGreaterThan(0);
    gate.open();
    await expect.poll(() => server.work.used).toBe(0);
    await expect.poll(() => readdir(tmpDir)).toEqual([]);
    await server.app.close();
  });
});

describe('a body that has not arrived holds no work', () => {
  it.each([
    ['a JSON batch', '/v1/predictions', 'application/json', batchOf(900)],
    ['an upload', '/v1/scores', 'text/csv', csvOf(900)],
  ])('%s sent slowly takes nothing until its last byte; a request needing the whole budget runs meanwhile', async (_name, path, type, body) => {
    const server = await serve({ capacity: 1000 });
    const slow = slowClient(server.port, path, type, body);
    await expect.poll(() => server.receiving()).toBe(1);
    expect(server.work.used).toBe(0);
    const full = await post(server, '/v1/predictions', 'application/json', batchOf(1000));
    expect(full.status).toBe(200);
    slow.sendRest();
    expect((await slow.answer).status).toBe(200);
    await expect.poll(() => server.work.used).toBe(0);
    await server.app.close();
  });

  it('a body that does not arrive within the body timeout gets 408 and its upload slot and files are freed', async () => {
    const server = await serve({ capacity: 1000, bodyTimeoutMs: 300, maxConcurrentUploads: 1 });
    const stalled = slowClient(server.port, '/v1/scores', 'text/csv', csvOf(100));
    await expect.poll(() => server.receiving()).toBe(1);
    // The one upload slot is taken while the body is awaited.
    const meanwhile = await post(server, '/v1/scores', 'text/csv', csvOf(1));
    expect(meanwhile.status).toBe(503);
    const answer = await stalled.answer;
    expect(answer.status).toBe(408);
    expectErrorShape(answer.body, 'REQUEST_TIMEOUT');
    await expect.poll(() => readdir(tmpDir)).toEqual([]);
    expect((await post(server, '/v1/scores', 'text/csv', csvOf(1))).status).toBe(200);
    await expect.poll(() => server.work.used).toBe(0);
    await server.app.close();
  });
});
