/** Every route and every error status through app.inject(), over a fake predictor. */
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createConnection, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { scoreRows } from '../../src/predict/score-file.js';
import type { ScoreFile } from '../../src/server/app.js';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, bundleError } from '../../src/errors.js';
import { createGate, fakePredictor } from './fakes.js';
import { TEST_KEY, expectErrorShape, makeApp, openApiChecker, type ResponseCheck } from './helpers.js';
import { AUDIOBOOKS_COLUMNS, EXAMPLE_CUSTOMER } from '../../src/domain/audiobooks.js';

const CSV_HEADER = AUDIOBOOKS_COLUMNS.filter((c) => c !== 'target').join(',');
const csvOf = (rows: string[]): string => `${[CSV_HEADER, ...rows].join('\n')}\n`;
const GOOD_ROW = '994,1620,1620,19.73,19.73,1,10,0.99,1603.8,5,92';
const customer = (id: string | number, completion: unknown = 0.5) => ({ ...EXAMPLE_CUSTOMER, id, completion });

let app: FastifyInstance;
let check: ResponseCheck;

/** Injects and checks the answer against the OpenAPI document. */
async function call(opts: InjectOptions & { url: string }, route?: string): Promise<LightMyRequestResponse> {
  const res = await app.inject(opts);
  check(opts.method ?? 'GET', route ?? opts.url.split('?')[0]!, res.statusCode, String(res.headers['content-type'] ?? ''), res.body);
  return res;
}

beforeAll(async () => {
  ({ app } = await makeApp({ predictor: { explain: true } }));
  check = await openApiChecker(app);
});
afterAll(async () => {
  await app.close();
});

describe('health', () => {
  it('GET /healthz answers while alive, with no model and no key', async () => {
    const { app: bare } = await makeApp({ loaded: false, apiKey: TEST_KEY });
    const res = await bare.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    await bare.close();
  });

  it('GET /readyz is 503 before a model is loaded and 200 after', async () => {
    const { app: bare, models } = await makeApp({ loaded: false, apiKey: TEST_KEY });
    const before = await bare.inject('/readyz');
    expect(before.statusCode).toBe(503);
    expectErrorShape(before.body, 'NOT_READY');
    await models.load();
    const after = await bare.inject('/readyz');
    expect(after.statusCode).toBe(200);
    expect(after.json()).toEqual({ status: 'ok', model: 'a'.repeat(64) });
    await bare.close();
  });
});

describe('POST /v1/predictions', () => {
  it('scores one customer', async () => {
    const res = await call({ method: 'POST', url: '/v1/predictions', payload: customer('00994') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.model).toBe('a'.repeat(64));
    expect(body.threshold).toBe(0.5);
    expect(body.predictions).toHaveLength(1);
    const [p] = body.predictions;
    expect(p.id).toBe('00994');
    expect(p.probability).toBeGreaterThan(0);
    expect(p.probability).toBeLessThan(1);
    expect(p.label).toBe(p.probability >= 0.5 ? 1 : 0);
    expect(p).not.toHaveProperty('reasons');
  });

  it('scores a batch in order, ids defaulting to positions', async () => {
    const customers = [customer('x', 0.1), customer(42, 0.9), { ...customer('y'), id: undefined }];
    const res = await call({ method: 'POST', url: '/v1/predictions', payload: { customers } });
    expect(res.statusCode).toBe(200);
    const ids = res.json().predictions.map((p: { id: string }) => p.id);
    expect(ids).toEqual(['x', '42', '3']);
    const single = await call({ method: 'POST', url: '/v1/predictions', payload: customer('x', 0.9) });
    expect(res.json().predictions[1].probability).toBe(single.json().predictions[0].probability);
  });

  it('takes a customer under the header spellings of the files, its ID included', async () => {
    const { id, book_length_overall, price_overall, ...rest } = customer('00994', 0.9);
    const spelled = { ID: id, 'Book length(mins)_overall': book_length_overall, Price_overall: price_overall, ...rest };
    const res = await call({ method: 'POST', url: '/v1/predictions', payload: { customers: [spelled, customer('00994', 0.9)] } });
    expect(res.statusCode).toBe(200);
    expect(res.json().predictions.map((p: { id: string }) => p.id)).toEqual(['00994', '00994']);
  });

  it('answers an empty batch with no predictions', async () => {
    const res = await call({ method: 'POST', url: '/v1/predictions', payload: { customers: [] } });
    expect(res.statusCode).toBe(200);
    expect(res.json().predictions).toEqual([]);
  });

  it('adds reasons with ?reasons=k when the predictor can explain', async () => {
    const res = await call({ method: 'POST', url: '/v1/predictions?reasons=2', payload: { customers: [customer(1), customer(2)] } });
    expect(res.statusCode).toBe(200);
    for (const p of res.json().predictions) expect(p.reasons).toHaveLength(2);
  });

  it('omits reasons when the predictor cannot explain', async () => {
    const { app: plain } = await makeApp();
    const res = await plain.inject({ method: 'POST', url: '/v1/predictions?reasons=3', payload: customer(1) });
    expect(res.statusCode).toBe(200);
    expect(res.json().predictions[0]).not.toHaveProperty('reasons');
    await plain.close();
  });

  it('422 names the row and field of an invalid customer in a batch', async () => {
    const res = await call({ method: 'POST', url: '/v1/predictions', payload: { customers: [customer(1), customer(2, 'lots')] } });
    expect(res.statusCode).toBe(422);
    const err = expectErrorShape(res.body, 'INPUT_INVALID');
    expect(err.field).toBe('customers[1].completion');
    expect(err.message).toContain('customers[1].completion');
  });

  it('422 for a value of the wrong JSON type, with its path', async () => {
    const res = await call({ method: 'POST', url: '/v1/predictions', payload: { customers: [customer(1), customer(2), customer(3, { x: 1 })] } });
    expect(res.statusCode).toBe(422);
    const err = expectErrorShape(res.body, 'INPUT_INVALID');
    expect(err.field).toBe('customers[2].completion');
    expect(err.message).toMatch(/must be a number, a string or null/);
  });

  it('422 for a single customer names the field alone', async () => {
    const res = await call({ method: 'POST', url: '/v1/predictions', payload: customer(1, 'abc') });
    expect(res.statusCode).toBe(422);
    const err = expectErrorShape(res.body, 'INPUT_INVALID');
    expect(err.field).toBe('completion');
    expect(err.message).not.toContain('customers[0]');
  });

  it('422 when the body is JSON but not an object', async () => {
    for (const payload of ['[1,2]', '"text"', '42', 'null']) {
      const res = await call({ method: 'POST', url: '/v1/predictions', payload, headers: { 'content-type': 'application/json' } });
      expect([400, 422]).toContain(res.statusCode);
      expectErrorShape(res.body);
    }
  });

  it('400 for malformed JSON, without echoing it', async () => {
    const secret = 'S'.repeat(5000);
    const res = await call({ method: 'POST', url: '/v1/predictions', payload: `{"id": "${secret}", oops}`, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    const err = expectErrorShape(res.body, 'MALFORMED');
    expect(res.body).not.toContain('SSSSSSSSSS');
    expect(err.message).toMatch(/not valid JSON/);
  });

  it('400 for an empty JSON body and for a bad query parameter', async () => {
    const empty = await call({ method: 'POST', url: '/v1/predictions', payload: '', headers: { 'content-type': 'application/json' } });
    expect(empty.statusCode).toBe(400);
    expectErrorShape(empty.body, 'MALFORMED');
    const query = await call({ method: 'POST', url: '/v1/predictions?reasons=lots', payload: customer(1) }, '/v1/predictions');
    expect(query.statusCode).toBe(400);
    expect(expectErrorShape(query.body, 'USAGE').field).toBe('reasons');
  });

  it('400 for a prototype-poisoning body', async () => {
    const res = await call({ method: 'POST', url: '/v1/predictions', payload: '{"__proto__": {"x": 1}}', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expectErrorShape(res.body, 'MALFORMED');
  });

  it('413 for a batch over the limit and for a body over the size limit', async () => {
    const { app: small } = await makeApp({ maxBatch: 3 });
    const many = await small.inject({ method: 'POST', url: '/v1/predictions', payload: { customers: [1, 2, 3, 4].map((i) => customer(i)) } });
    expect(many.statusCode).toBe(413);
    expect(expectErrorShape(many.body, 'PAYLOAD_TOO_LARGE').message).toMatch(/at most 3/);
    const big = await small.inject({ method: 'POST', url: '/v1/predictions', payload: { id: 'x'.repeat(2 << 20) } });
    expect(big.statusCode).toBe(413);
    expectErrorShape(big.body, 'PAYLOAD_TOO_LARGE');
    await small.close();
  });

  it('415 for CSV, for form data, and for a request with no body', async () => {
    const csv = await call({ method: 'POST', url: '/v1/predictions', payload: csvOf([GOOD_ROW]), headers: { 'content-type': 'text/csv' } });
    expect(csv.statusCode).toBe(415);
    expectErrorShape(csv.body, 'UNSUPPORTED_MEDIA_TYPE');
    const form = await call({ method: 'POST', url: '/v1/predictions', payload: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.statusCode).toBe(415);
    const none = await call({ method: 'POST', url: '/v1/predictions' });
    expect(none.statusCode).toBe(415);
    expectErrorShape(none.body, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('closing the server closes a connection that has not sent a request (a client\'s spare socket does not hold shutdown up)', async () => {
    const { app: local } = await makeApp();
    await local.listen({ host: '127.0.0.1', port: 0 });
    // Node's own close leaves such a connection until its headers time out: with that check off, close would hang.
    local.server.headersTimeout = 0;
    const { port } = local.server.address() as AddressInfo;
    const spare = createConnection({ host: '127.0.0.1', port });
    await once(spare, 'connect');
    await expect.poll(() => new Promise((done) => local.server.getConnections((_, n) => done(n)))).toBe(1);
    const closed = once(spare, 'close');
    await local.close();
    await closed;
    expect(spare.destroyed).toBe(true);
  });

  it('503 before a model is loaded', async () => {
    const { app: bare } = await makeApp({ loaded: false });
    const res = await bare.inject({ method: 'POST', url: '/v1/predictions', payload: customer(1) });
    expect(res.statusCode).toBe(503);
    expectErrorShape(res.body, 'NOT_READY');
    await bare.close();
  });

  it('503 when more requests are in flight than allowed, and serves again after', async () => {
    const gate = createGate();
    const { app: busy } = await makeApp({ maxInFlight: 2, predictor: { gate } });
    let refused = 0;
    let allRefused = (): void => undefined;
    const threeRefused = new Promise<void>((resolve) => (allRefused = resolve));
    const pending = Array.from({ length: 5 }, () =>
      busy.inject({ method: 'POST', url: '/v1/predictions', payload: customer(1) }).then((res) => {
        if (res.statusCode === 503 && ++refused === 3) allRefused();
        return res;
      }),
    );
    // Two requests hold the model while the other three are turned away; then the two finish.
    await Promise.all([gate.arrived(2), threeRefused]);
    gate.open();
    const answers = await Promise.all(pending);
    const statuses = answers.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, 200, 503, 503, 503]);
    const overloaded = answers.find((r) => r.statusCode === 503)!;
    expectErrorShape(overloaded.body, 'OVERLOADED');
    expect(overloaded.headers['retry-after']).toBe('1');
    const later = await busy.inject({ method: 'POST', url: '/v1/predictions', payload: customer(1) });
    expect(later.statusCode).toBe(200);
    await busy.close();
  });
});

describe('POST /v1/scores', () => {
  it('streams the scored CSV back', async () => {
    const res = await call({ method: 'POST', url: '/v1/scores', payload: csvOf([GOOD_ROW, '1143,2160,2160,5.33,5.33,0,8.91,0,0,0,0']), headers: { 'content-type': 'text/csv' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['x-rebuy-rows']).toBe('2');
    const lines = res.body.trim().split('\n');
    expect(lines[0]).toBe('id,probability,label,rank');
    expect(lines).toHaveLength(3);
  });

  it('answers JSON rows with Accept: application/json', async () => {
    const res = await call({
      method: 'POST',
      url: '/v1/scores',
      payload: csvOf([GOOD_ROW, '"12,3",2160,2160,5.33,5.33,0,8.91,0,0,0,0'.replace('"12,3"', '123')]),
      headers: { 'content-type': 'text/csv; charset=utf-8', accept: 'application/json' },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.model).toBe('a'.repeat(64));
    expect(body.rows).toHaveLength(2);
    expect(body.rows.map((r: { rank: number }) => r.rank).sort()).toEqual([1, 2]);
    expect(body.rows[0]).toEqual({ id: '994', probability: expect.any(Number), label: expect.any(Number), rank: expect.any(Number) });
  });

  it('adds reasons for the best-ranked rows with ?reasons=k', async () => {
    const { app: few } = await makeApp({ predictor: { explain: true }, maxReasonRows: 2 });
    const rows = [GOOD_ROW, '1,2160,2160,5.33,5.33,0,8.91,0,0,0,0', '2,540,540,5,5,0,8.91,0.5,270,0,10'];
    const res = await few.inject({ method: 'POST', url: '/v1/scores?reasons=2', payload: csvOf(rows), headers: { 'content-type': 'text/csv', accept: 'application/json' } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const explained = body.rows.filter((r: { reasons?: unknown[] }) => r.reasons);
    expect(explained.map((r: { rank: number }) => r.rank).sort()).toEqual([1, 2]);
    expect(explained[0].reasons).toHaveLength(2);
    expect(explained[0].reasons[0]).toMatchObject({ group: expect.any(String), points: expect.any(Number), text: expect.any(String), direction: expect.stringMatching(/^(raises|lowers)$/) });
    expect(body.reference).toMatchObject({ probability: expect.any(Number), text: expect.stringMatching(/^compared with a typical customer, who has a [\d.]+ % chance$/) });
    check('POST', '/v1/scores', res.statusCode, String(res.headers['content-type']), res.body);
    const bad = await few.inject({ method: 'POST', url: '/v1/scores?reasons=many', payload: csvOf(rows), headers: { 'content-type': 'text/csv' } });
    expect(bad.statusCode).toBe(400);
    expect(expectErrorShape(bad.body, 'USAGE').field).toBe('reasons');
    await few.close();
  });

  it('explains the best rows from the scored rows, not from a second read of the upload', async () => {
    // The upload is gone once scored: reasons can only come from what scoring kept.
    const scoreThenRemove: ScoreFile = async (predictor, input, options) => {
      const scored = await scoreRows(predictor, input, options);
      await rm(input);
      return scored;
    };
    const { app: few } = await makeApp({ predictor: { explain: true }, maxReasonRows: 2, scoreFile: scoreThenRemove });
    // One id twice, with different features: only its better-ranked row is among the best two.
    const rows = [GOOD_ROW, '7,2160,2160,5.33,5.33,0,8.91,0,0,0,0', '7,540,540,5,5,0,8.91,0.5,270,0,10', '8,1080,1080,9,9,1,7,0.2,200,1,30'];
    const res = await few.inject({ method: 'POST', url: '/v1/scores?reasons=2', payload: csvOf(rows), headers: { 'content-type': 'text/csv', accept: 'application/json' } });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { rows: { id: string; probability: number; rank: number; reasons?: unknown[] }[] };
    expect(body.rows.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    expect(body.rows.map((r) => r.reasons?.length ?? 0)).toEqual([2, 2, 0, 0]);
    // The reasons are those of the customers themselves, as /v1/predictions explains them.
    const fields = CSV_HEADER.split(',');
    const customers = rows.map((line) => Object.fromEntries(line.split(',').map((v, j) => [fields[j]!, j === 0 ? v : Number(v)])));
    const predicted = (await few.inject({ method: 'POST', url: '/v1/predictions?reasons=2', payload: { customers } })).json() as {
      predictions: { id: string; probability: number; reasons: unknown[] }[];
    };
    for (const row of body.rows.slice(0, 2)) {
      const same = predicted.predictions.filter((p) => p.id === row.id && Math.abs(p.probability - row.probability) < 2e-6);
      expect(same).toHaveLength(1);
      expect(row.reasons).toEqual(same[0]!.reasons);
    }
    await few.close();
  });

  it('answers the same rows as JSON as in the CSV', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i},${540 * (1 + (i % 4))},540,${5 + i},5,${i % 2},8.91,${(i % 10) / 10},${i * 10},${i % 3},${i}`);
    const ask = (accept: string) => call({ method: 'POST', url: '/v1/scores', payload: csvOf(rows), headers: { 'content-type': 'text/csv', accept } });
    const [asJson, asCsv] = [await ask('application/json'), await ask('text/csv')];
    const fromCsv = asCsv.body.trim().split('\n').slice(1).map((line) => {
      const [id, probability, label, rank] = line.split(',');
      return { id, probability: Number(probability), label: Number(label), rank: Number(rank) };
    });
    expect(asJson.json().rows).toEqual(fromCsv);
    expect(asJson.headers['x-rebuy-rows']).toBe('30');
  });

  it('omits reasons when the bundle cannot explain', async () => {
    const res = await (await makeApp()).app.inject({ method: 'POST', url: '/v1/scores?reasons=3', payload: csvOf([GOOD_ROW]), headers: { 'content-type': 'text/csv', accept: 'application/json' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().rows[0]).not.toHaveProperty('reasons');
  });

  it('422 names the line, column and value of a bad cell, never the temp path', async () => {
    const res = await call({ method: 'POST', url: '/v1/scores', payload: csvOf([GOOD_ROW, GOOD_ROW, '7,1,2,3,4,5,6,seven,8,9,10']), headers: { 'content-type': 'text/csv' } });
    expect(res.statusCode).toBe(422);
    const err = expectErrorShape(res.body, 'INPUT_INVALID');
    expect(err.line).toBe(4);
    expect(err.column).toBe('completion');
    expect(err.message).toContain('upload.csv:4');
    expect(err.message).toContain('"seven"');
    expect(res.body).not.toContain(tmpdir());
  });

  it('?skip_bad_rows=true scores the good rows and lists the bad ones with line, column, value and reason', async () => {
    const rows = [GOOD_ROW, '7,1,2,3,4,5,6,seven,8,9,10', '8,540,540,5,5,0,8.91,0.5,270,0,10'];
    const headers = { 'content-type': 'text/csv', accept: 'application/json' };
    const res = await call({ method: 'POST', url: '/v1/scores?skip_bad_rows=true', payload: csvOf(rows), headers }, '/v1/scores');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-rebuy-skipped-rows']).toBe('1');
    const body = res.json();
    expect(body.rows.map((r: { id: string }) => r.id).sort()).toEqual(['8', '994']);
    expect(body.skipped).toEqual([{ line: 3, column: 'completion', value: 'seven', reason: expect.any(String) }]);
    const csv = await call({ method: 'POST', url: '/v1/scores?skip_bad_rows=true', payload: csvOf(rows), headers: { 'content-type': 'text/csv' } }, '/v1/scores');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['x-rebuy-skipped-rows']).toBe('1');
    expect(csv.body.trim().split('\n')).toHaveLength(3);
  });

  it('400 for an empty upload and for a broken CSV structure', async () => {
    const empty = await call({ method: 'POST', url: '/v1/scores', payload: '', headers: { 'content-type': 'text/csv' } });
    expect(empty.statusCode).toBe(400);
    expectErrorShape(empty.body, 'MALFORMED');
    const ragged = await call({ method: 'POST', url: '/v1/scores', payload: csvOf([GOOD_ROW, '1,2,3']), headers: { 'content-type': 'text/csv' } });
    expect(ragged.statusCode).toBe(400);
    expect(expectErrorShape(ragged.body, 'MALFORMED').line).toBe(3);
  });

  it('415 for JSON, for a compressed upload and for no body', async () => {
    const json = await call({ method: 'POST', url: '/v1/scores', payload: { a: 1 } });
    expect(json.statusCode).toBe(415);
    expectErrorShape(json.body, 'UNSUPPORTED_MEDIA_TYPE');
    const gz = await call({ method: 'POST', url: '/v1/scores', payload: 'x', headers: { 'content-type': 'text/csv', 'content-encoding': 'gzip' } });
    expect(gz.statusCode).toBe(415);
    const none = await call({ method: 'POST', url: '/v1/scores' });
    expect(none.statusCode).toBe(415);
  });

  it('413 from Content-Length alone, before any byte is read', async () => {
    const { app: small } = await makeApp({ maxUploadBytes: 1000 });
    let pulled = 0;
    const body = new Readable({
      read() {
        pulled++;
        this.push(pulled < 100 ? 'x'.repeat(100) : null);
      },
    });
    const res = await small.inject({ method: 'POST', url: '/v1/scores', payload: body, headers: { 'content-type': 'text/csv', 'content-length': '10000' } });
    expect(res.statusCode).toBe(413);
    expect(res.headers.connection).toBe('close');
    expectErrorShape(res.body, 'PAYLOAD_TOO_LARGE');
    await small.close();
  });

  it('413 as soon as a body without Content-Length passes the limit', async () => {
    const { app: small } = await makeApp({ maxUploadBytes: 1000 });
    const res = await small.inject({ method: 'POST', url: '/v1/scores', payload: Readable.from(Array.from({ length: 50 }, () => Buffer.alloc(100, 65))), headers: { 'content-type': 'text/csv' } });
    expect(res.statusCode).toBe(413);
    expect(expectErrorShape(res.body, 'PAYLOAD_TOO_LARGE').message).toMatch(/1000 bytes/);
    await small.close();
  });

  it('leaves no temporary files behind', async () => {
    const dir = `${tmpdir()}/rebuy-scores-test-${process.pid}`;
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    const { app: local } = await makeApp({ tmpDir: dir, predictor: { explain: true } });
    await local.inject({ method: 'POST', url: '/v1/scores', payload: csvOf([GOOD_ROW]), headers: { 'content-type': 'text/csv' } });
    await local.inject({ method: 'POST', url: '/v1/scores', payload: csvOf(['x,y']), headers: { 'content-type': 'text/csv' } });
    const streamed = await local.inject({ method: 'POST', url: '/v1/scores?reasons=2', payload: csvOf([GOOD_ROW]), headers: { 'content-type': 'text/csv', accept: 'application/json' } });
    expect(streamed.json().rows).toHaveLength(1);
    // The upload is removed after the answer is out: wait for that, not for a guessed time.
    await expect.poll(() => readdir(dir), { timeout: 10_000 }).toEqual([]);
    await local.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('frees the scored rows when the client goes away in the middle of a JSON answer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rebuy-scores-abort-'));
    const { app: local } = await makeApp({ tmpDir: dir });
    const base = await local.listen({ host: '127.0.0.1', port: 0 });
    const rows = Array.from({ length: 50_000 }, (_, i) => `${i},1620,1620,19.73,19.73,1,10,${(i % 100) / 100},1603.8,5,92`);
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/scores`, { method: 'POST', headers: { 'content-type': 'text/csv', accept: 'application/json' }, body: csvOf(rows), signal: controller.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    controller.abort();
    // The upload and the scoring's spill directory both go once the answer is abandoned.
    await expect.poll(() => readdir(dir), { timeout: 10_000 }).toEqual([]);
    await local.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('503 before a model is loaded', async () => {
    const { app: bare } = await makeApp({ loaded: false });
    const res = await bare.inject({ method: 'POST', url: '/v1/scores', payload: csvOf([GOOD_ROW]), headers: { 'content-type': 'text/csv' } });
    expect(res.statusCode).toBe(503);
    await bare.close();
  });
});

describe('GET /v1/model and POST /v1/model/reload', () => {
  it('summarises the manifest without server paths', async () => {
    const res = await call({ method: 'GET', url: '/v1/model' });
    expect(res.statusCode).toBe(200);
    const m = res.json();
    expect(m.hash).toBe('a'.repeat(64));
    expect(m.version).toBe('0.1.0');
    expect(m.synthetic).toBe(false);
    expect(m.featureNames).toHaveLength(10);
    expect(m.threshold).toBe(0.5);
    expect(m.calibration).toEqual({ method: 'none', slope: 1, intercept: 0 });
    expect(m.model.history).toHaveLength(12);
    expect(m.model.metrics.naturalTest.rocAuc).toBe(0.9);
    expect(m.data.files).toEqual(['audiobooks.csv']);
    expect(JSON.stringify(m)).not.toContain('/secret/path');
    expect(m).not.toHaveProperty('features');
  });

  it('says when a model is synthetic', async () => {
    const { app: synth } = await makeApp({ predictor: { synthetic: true } });
    expect((await synth.inject('/v1/model')).json().synthetic).toBe(true);
    await synth.close();
  });

  it('reloads, and refuses a bundle that fails verification while the old one keeps serving', async () => {
    let n = 0;
    const { app: live } = await makeApp({
      load: async (dir) => {
        if (dir.includes('broken')) throw bundleError(dir, 'model.onnx: hash does not match the manifest');
        n++;
        return fakePredictor({ hash: `${n}`.padStart(64, '0') });
      },
      modelsRoot: '/bundles',
    });
    const liveCheck = await openApiChecker(live);
    const ok = await live.inject({ method: 'POST', url: '/v1/model/reload' });
    liveCheck('POST', '/v1/model/reload', ok.statusCode, String(ok.headers['content-type']), ok.body);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ hash: '2'.padStart(64, '0'), previous: '1'.padStart(64, '0') });
    const bad = await live.inject({ method: 'POST', url: '/v1/model/reload', payload: { model: '/bundles/broken' } });
    liveCheck('POST', '/v1/model/reload', bad.statusCode, String(bad.headers['content-type']), bad.body);
    expect(bad.statusCode).toBe(422);
    expect(expectErrorShape(bad.body, 'BUNDLE_INVALID').message).toMatch(/hash does not match/);
    const still = await live.inject('/v1/model');
    expect(still.json().hash).toBe('2'.padStart(64, '0'));
    const extra = await live.inject({ method: 'POST', url: '/v1/model/reload', payload: { model: '' } });
    expect(extra.statusCode).toBe(422);
    await live.close();
  });

  it('503 before a model is loaded', async () => {
    const { app: bare } = await makeApp({ loaded: false });
    const res = await bare.inject('/v1/model');
    expect(res.statusCode).toBe(503);
    expectErrorShape(res.body, 'NOT_READY');
    await bare.close();
  });
});

describe('API key', () => {
  let secured: FastifyInstance;
  beforeAll(async () => {
    ({ app: secured } = await makeApp({ apiKey: TEST_KEY }));
  });
  afterAll(async () => {
    await secured.close();
  });

  it('401 without a key and with a wrong key, before the body is read', async () => {
    const none = await secured.inject({ method: 'POST', url: '/v1/predictions', payload: customer(1) });
    expect(none.statusCode).toBe(401);
    expect(expectErrorShape(none.body, 'UNAUTHORIZED').message).toMatch(/API key is required/);
    const wrong = await secured.inject({ method: 'POST', url: '/v1/predictions', payload: customer(1), headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);
    const almost = await secured.inject({ method: 'GET', url: '/v1/model', headers: { 'x-api-key': `${TEST_KEY}x` } });
    expect(almost.statusCode).toBe(401);
    const upload = await secured.inject({ method: 'POST', url: '/v1/scores', payload: csvOf([GOOD_ROW]), headers: { 'content-type': 'text/csv' } });
    expect(upload.statusCode).toBe(401);
    const malformed = await secured.inject({ method: 'POST', url: '/v1/predictions', payload: '{oops', headers: { 'content-type': 'application/json' } });
    expect(malformed.statusCode).toBe(401);
  });

  it('accepts the key as a Bearer token or in x-api-key', async () => {
    const bearer = await secured.inject({ method: 'POST', url: '/v1/predictions', payload: customer(1), headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(bearer.statusCode).toBe(200);
    const header = await secured.inject({ method: 'GET', url: '/v1/model', headers: { 'x-api-key': TEST_KEY } });
    expect(header.statusCode).toBe(200);
  });

  it('leaves health checks, the page and the API description open', async () => {
    for (const url of ['/healthz', '/readyz', '/', '/web/app.js', '/openapi.json', '/docs']) {
      expect((await secured.inject(url)).statusCode, url).toBe(200);
    }
  });

  it('documents the security scheme', async () => {
    const doc = (await secured.inject('/openapi.json')).json();
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['bearer', 'apiKey']);
  });
});

describe('rate limit', () => {
  it('429 past the limit per minute, counted per key', async () => {
    const { app: limited } = await makeApp({ rateLimitPerMinute: 3, apiKey: TEST_KEY });
    const auth = { authorization: `Bearer ${TEST_KEY}` };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await limited.inject({ method: 'GET', url: '/v1/model', headers: auth })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const res = await limited.inject({ method: 'GET', url: '/v1/model', headers: auth });
    expect(res.statusCode).toBe(429);
    expect(expectErrorShape(res.body, 'RATE_LIMITED').message).toMatch(/3 requests per minute/);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    // Without a (valid) key the count is the client's IP's, apart from the key's.
    expect((await limited.inject({ method: 'GET', url: '/v1/model' })).statusCode).toBe(401);
    // Health checks are never limited.
    expect((await limited.inject('/healthz')).statusCode).toBe(200);
    await limited.close();
  });

  it('counts wrong keys against the IP', async () => {
    const { app: limited } = await makeApp({ rateLimitPerMinute: 2, apiKey: TEST_KEY });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await limited.inject({ method: 'GET', url: '/v1/model', headers: { 'x-api-key': `guess-${i}` } })).statusCode);
    expect(statuses).toEqual([401, 401, 429]);
    await limited.close();
  });
});

describe('CORS', () => {
  it('is off unless configured', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/model', headers: { origin: 'https://example.com' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows the configured origin, preflight included, without a key', async () => {
    const { app: open } = await makeApp({ corsOrigin: 'https://app.example.com', apiKey: TEST_KEY });
    const pre = await open.inject({
      method: 'OPTIONS',
      url: '/v1/predictions',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const other = await open.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://evil.example.com' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    await open.close();
  });
});

describe('everything else', () => {
  it('404 in the one error shape for unknown routes and files', async () => {
    for (const url of ['/nope', '/v1/nope', '/web/secret.txt', '/web/..%2Fapp.ts']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expectErrorShape(res.body, 'NOT_FOUND');
    }
    const wrongMethod = await app.inject({ method: 'DELETE', url: '/v1/model' });
    expect(wrongMethod.statusCode).toBe(404);
    const long = await app.inject(`/${'x'.repeat(10_000)}`);
    expect(long.body.length).toBeLessThan(400);
  });

  it('serves the page and its files with a strict content security policy', async () => {
    const page = await app.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(page.body).toContain('<script type="module" src="/web/app.js">');
    expect(page.body).not.toMatch(/https?:\/\//);
    for (const file of ['app.js', 'api.js', 'style.css', 'charts.css', 'lib/evaluate/profit.js', 'lib/report/charts.js']) {
      const res = await app.inject(`/web/${file}`);
      expect(res.statusCode, file).toBe(200);
      expect(res.body).not.toMatch(/(?:src|href)=["']https?:|import .* from ["']https?:/);
      const again = await app.inject({ url: `/web/${file}`, headers: { 'if-none-match': String(res.headers.etag) } });
      expect(again.statusCode).toBe(304);
    }
  });

  it('publishes the OpenAPI document and the docs page', async () => {
    const doc = (await app.inject('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(['/healthz', '/readyz', '/v1/model', '/v1/model/reload', '/v1/monitor', '/v1/predictions', '/v1/scores']);
    expect(doc.paths['/v1/scores'].post.requestBody.content).toHaveProperty('text/csv');
    expect(doc.paths['/v1/scores'].post.responses['200'].content).toHaveProperty('application/json');
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toEqual([...ERROR_CODES]);
    const docs = await app.inject('/docs');
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger-ui');
  });

  it('a thrown internal error is a 500 in the one shape, with no detail', async () => {
    const { app: broken } = await makeApp({
      scoreFile: async () => {
        throw new Error('disk on fire at /var/secret');
      },
    });
    const res = await broken.inject({ method: 'POST', url: '/v1/scores', payload: csvOf([GOOD_ROW]), headers: { 'content-type': 'text/csv' } });
    expect(res.statusCode).toBe(500);
    const err = expectErrorShape(res.body, 'INTERNAL');
    expect(err.message).toBe('internal server error');
    await broken.close();
  });
});
