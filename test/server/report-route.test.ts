/** GET /report: the serving model's report, read through its verified bundle; and what GET /v1/model tells the page. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { REPORT_FILE } from '../../src/bundle/layout.js';
import { computeMetrics } from '../../src/evaluate/metrics.js';
import { TEST_KEY, expectErrorShape, openApiChecker } from './helpers.js';
import { DECIDED_THRESHOLD, MONEY, decidedApp, decidedBundle } from './trust-app.js';

const SUSPECT = 'support_requests';

describe('GET /report', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await decidedApp(SUSPECT);
  });
  afterAll(async () => {
    await app.close();
  });

  it("serves the bundle's own report.html, scripts off, with an etag of the bundle", async () => {
    const res = await app.inject('/report');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toBe(decidedBundle(SUSPECT).stored.get(REPORT_FILE)!.toString('utf8'));
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'; style-src 'unsafe-inline'/);
    expect(res.headers['content-security-policy']).not.toMatch(/script-src/);
    const again = await app.inject({ url: '/report', headers: { 'if-none-match': String(res.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('says how to get a report when the bundle holds none', async () => {
    const bare = await decidedApp(SUSPECT, { report: false });
    const res = await bare.inject('/report');
    expect(res.statusCode).toBe(404);
    expect(expectErrorShape(res.body, 'NOT_FOUND').message).toMatch(/holds no report\.html: write it with rebuy report --model DIR/);
    await bare.close();
  });

  it('asks for the API key when the server has one, as GET /v1/model does', async () => {
    const secured = await decidedApp(SUSPECT, { server: { apiKey: TEST_KEY } });
    expect((await secured.inject('/report')).statusCode).toBe(401);
    expect((await secured.inject({ url: '/report', headers: { authorization: `Bearer ${TEST_KEY}` } })).statusCode).toBe(200);
    await secured.close();
  });
});

describe('GET /v1/model after a decision', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await decidedApp(SUSPECT);
  });
  afterAll(async () => {
    await app.close();
  });

  it("gives the saved decision's money, the audit's caveats and suspects, and both models at the serving threshold", async () => {
    const res = await app.inject('/v1/model');
    expect(res.statusCode).toBe(200);
    (await openApiChecker(app))('GET', '/v1/model', res.statusCode, String(res.headers['content-type']), res.body);
    const info = res.json();
    expect(info.money).toEqual(MONEY);
    expect(info.caveats.map((c: { code: string }) => c.code)).toEqual(['PURE_GROUP', 'CLASS_IMBALANCE']);
    expect(info.suspectColumns).toEqual([SUSPECT]);
    expect(info.report).toBe(true);
    const { evaluation } = decidedBundle(SUSPECT);
    const baseline = computeMetrics(evaluation.baselineNaturalTest!.probability, evaluation.baselineNaturalTest!.label, DECIDED_THRESHOLD);
    expect(info.sameThreshold.threshold).toBe(DECIDED_THRESHOLD);
    expect(info.sameThreshold.baseline.accuracy).toBeCloseTo(baseline.accuracy, 12);
    expect(info.sameThreshold.model.confusion).toEqual(computeMetrics(evaluation.naturalTest.probability, evaluation.naturalTest.label, DECIDED_THRESHOLD).confusion);
  });
});
