/** Heavy requests are shed by cost with 503 + Retry-After; health stays fast; work for gone clients stops. */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_CUSTOMER } from '../../src/domain/audiobooks.js';
import { createWorkBudget } from '../../src/server/work-budget.js';
import { createGate, fakePredictor } from './fakes.js';
import { expectErrorShape, makeApp } from './helpers.js';

const CUSTOMER = { ...EXAMPLE_CUSTOMER, id: '1' };
const batch = (n: number) => ({ customers: Array.from({ length: n }, (_, i) => ({ ...CUSTOMER, id: String(i) })) });

describe('load shedding by cost', () => {
  it('refuses work beyond capacity with 503 and Retry-After, counting reasons as their cost', async () => {
    const gate = createGate();
    const work = createWorkBudget(1000);
    const { app } = await makeApp({ predictor: { gate, explain: true }, work });
    const post = (payload: object, url = '/v1/predictions') => app.inject({ method: 'POST', url, payload });

    const big = post(batch(800));
    await gate.arrived(1);
    expect(work.used).toBe(800);

    const tooMany = await post(batch(300));
    expect(tooMany.statusCode).toBe(503);
    expect(tooMany.headers['retry-after']).toBe('1');
    expectErrorShape(tooMany.body, 'OVERLOADED');
    // Two customers with reasons cost far more than two without.
    const withReasons = await post(batch(2), '/v1/predictions?reasons=3');
    expect(withReasons.statusCode).toBe(503);
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect((await app.inject('/readyz')).statusCode).toBe(200);

    const small = post(batch(2));
    await gate.arrived(2);
    gate.open();
    expect((await big).statusCode).toBe(200);
    expect((await small).statusCode).toBe(200);
    expect(work.used).toBe(0);
    // Alone, a request beyond capacity still runs: nothing starves.
    const alone = await post(batch(2), '/v1/predictions?reasons=3');
    expect(alone.statusCode).toBe(200);
    expect(alone.json().predictions[0].reasons.length).toBeGreaterThan(0);
    expect(work.used).toBe(0);
    await app.close();
  });

  it('counts the reasons of an upload against the same budget', async () => {
    const gate = createGate();
    const work = createWorkBudget(1000);
    const { app } = await makeApp({ predictor: { gate, explain: true }, work });
    const big = app.inject({ method: 'POST', url: '/v1/predictions', payload: batch(800) });
    await gate.arrived(1);
    const header = Object.keys(CUSTOMER).join(',');
    const csv = `${header}\n${Object.values(CUSTOMER).join(',')}\n`;
    const upload = (accept: string) =>
      app.inject({ method: 'POST', url: '/v1/scores?reasons=3', payload: csv, headers: { 'content-type': 'text/csv', accept } });
    const refused = await upload('application/json');
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expectErrorShape(refused.body, 'OVERLOADED');
    // Without reasons the upload is scored as before.
    expect((await upload('text/csv')).statusCode).toBe(200);
    gate.open();
    expect((await big).statusCode).toBe(200);
    expect((await upload('application/json')).statusCode).toBe(200);
    expect(work.used).toBe(0);
    await app.close();
  });

  it('refuses bodies beyond the bytes in flight before reading them', async () => {
    const gate = createGate();
    const { app } = await makeApp({ predictor: { gate }, maxBodyBytesInFlight: 1000 });
    const first = app.inject({ method: 'POST', url: '/v1/predictions', payload: CUSTOMER });
    await gate.arrived(1);
    const second = await app.inject({ method: 'POST', url: '/v1/predictions', payload: batch(10) });
    expect(second.statusCode).toBe(503);
    expect(second.headers['retry-after']).toBe('1');
    gate.open();
    expect((await first).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/v1/predictions', payload: batch(10) })).statusCode).toBe(200);
    await app.close();
  });

  it('stops the work of a client that closed its connection, and gives its capacity back', async () => {
    const gate = createGate();
    const fake = fakePredictor({ gate, explain: true });
    const work = createWorkBudget(1_000_000);
    const { app } = await makeApp({ load: async () => fake, work });
    const url = new URL(await app.listen({ host: '127.0.0.1', port: 0 }));
    const body = JSON.stringify(batch(200));
    const req = request({ host: url.hostname, port: url.port, path: '/v1/predictions?reasons=3', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    req.on('error', () => undefined);
    req.end(body);
    await gate.arrived(1);
    expect(work.used).toBeGreaterThan(0);
    req.destroy();
    // The server has seen the connection go.
    await expect.poll(() => new Promise<number>((resolve) => app.server.getConnections((_e, n) => resolve(n))), { interval: 5, timeout: 10_000 }).toBe(0);
    gate.open();
    await expect.poll(() => work.used, { interval: 5, timeout: 10_000 }).toBe(0);
    // Its explanation (scored through predictColumns) never started.
    expect(fake.columnRows).toBe(0);
    await app.close();
  });
});
