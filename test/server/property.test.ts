/**
 * Random and malformed JSON and CSV thrown at the routes: never a 5xx, and every answer matches the
 * OpenAPI document's schema for its status.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIOBOOKS_SCHEMA } from '../../src/domain/audiobooks.js';
import { makeApp, openApiChecker, type ResponseCheck } from './helpers.js';
import { realDeps, type RealDeps } from './real.js';

const FEATURES = AUDIOBOOKS_SCHEMA.features.map((f) => f.name);
const RUNS = 150;

const scalar = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 12 }),
  fc.constantFrom(null, true, false, '', 'NaN', '1e400', '-0', ' 3 '),
);
const customerArb = fc.dictionary(fc.oneof(fc.constantFrom(...FEATURES, 'id', '__proto__', 'constructor'), fc.string({ maxLength: 8 })), fc.oneof(scalar, fc.jsonValue({ maxDepth: 2 })), { maxKeys: 14 });
const fullCustomerArb = fc.record(Object.fromEntries([...FEATURES, 'id'].map((f) => [f, scalar])));
const bodyArb = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  customerArb.map((c) => JSON.stringify(c)),
  fullCustomerArb.map((c) => JSON.stringify(c)),
  fc.array(fc.oneof(customerArb, fullCustomerArb, fc.jsonValue({ maxDepth: 1 })), { maxLength: 6 }).map((cs) => JSON.stringify({ customers: cs })),
  fc.string({ maxLength: 60 }),
  fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('latin1')),
);
const jsonTypes = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'text/csv', 'application/x-www-form-urlencoded', undefined);
const queryArb = fc.constantFrom('', '?reasons=2', '?reasons=-1', '?reasons=x', '?reasons=99', '?other=1', '?reasons=1&reasons=2');

const cellArb = fc.oneof(
  fc.double().map(String),
  fc.integer({ min: -5, max: 5000 }).map(String),
  fc.string({ maxLength: 6 }),
  fc.constantFrom('', '"', '""', '"a,b"', 'NA', 'null', '8.91', '\t', 'é', '1e5', '0x10'),
);
const AUDIOBOOKS_HEADER = 'ID,Book length(mins)_overall,Book length(mins)_avg,Price_overall,Price_avg,Review,Review ?/10,Completion,Listened(mins),Support request,Last visited after Purchase date ,Targets';
const csvArb = fc.oneof(
  fc.tuple(
    fc.constantFrom(AUDIOBOOKS_HEADER, `${AUDIOBOOKS_HEADER},extra`, 'id,a,b,c,d,e,f,g,h,i,j', 'a;b;c', '', 'id'),
    fc.array(fc.array(cellArb, { minLength: 0, maxLength: 14 }), { maxLength: 6 }),
    fc.constantFrom('\n', '\r\n', '\r'),
  ).map(([header, rows, eol]) => [header, ...rows.map((r) => r.join(','))].join(eol)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
);

function propertySuite(name: string, setup: () => Promise<{ app: FastifyInstance }>) {
  describe(name, () => {
    let app: FastifyInstance;
    let check: ResponseCheck;
    beforeAll(async () => {
      ({ app } = await setup());
      check = await openApiChecker(app);
    });
    afterAll(async () => {
      await app?.close();
    });

    it('POST /v1/predictions: any body, type and query → documented answer, no 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(bodyArb, jsonTypes, queryArb, async (payload, type, query) => {
          const res = await app.inject({ method: 'POST', url: `/v1/predictions${query}`, payload, headers: type ? { 'content-type': type } : {} });
          expect(res.statusCode, res.body).toBeLessThan(500);
          check('POST', '/v1/predictions', res.statusCode, String(res.headers['content-type']), res.body);
        }),
        { numRuns: RUNS },
      );
    });

    it('POST /v1/scores: any CSV text or bytes → documented answer, no 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(csvArb, fc.constantFrom('application/json', 'text/csv'), async (payload, accept) => {
          const res = await app.inject({ method: 'POST', url: '/v1/scores', payload, headers: { 'content-type': 'text/csv', accept } });
          expect(res.statusCode, res.body).toBeLessThan(500);
          check('POST', '/v1/scores', res.statusCode, String(res.headers['content-type']), res.body);
          if (res.statusCode === 200 && accept === 'application/json') expect(Array.isArray(res.json().rows)).toBe(true);
        }),
        { numRuns: RUNS },
      );
    });

    it('POST /v1/model/reload: any JSON body → documented answer, no 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 30 })), async (payload) => {
          const res = await app.inject({ method: 'POST', url: '/v1/model/reload', payload, headers: { 'content-type': 'application/json' } });
          expect(res.statusCode, res.body).toBeLessThan(500);
          check('POST', '/v1/model/reload', res.statusCode, String(res.headers['content-type']), res.body);
        }),
        { numRuns: 60 },
      );
    });
  });
}

propertySuite('routes over the fake predictor', () => makeApp({ predictor: { explain: true } }));

let real: RealDeps | null = null;
const realAvailable = await realDeps.available();
describe.skipIf(!realAvailable)('with a real bundle', () => {
  beforeAll(async () => {
    real = await realDeps.get();
  });
  propertySuite('routes over a real bundle, loadPredictor and scoreFile', async () => {
    const deps = real ?? (await realDeps.get());
    return makeApp({ load: deps.loadPredictor, scoreFile: deps.scoreFile, bundleDir: deps.bundles[0] });
  });
});
