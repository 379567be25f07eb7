/** GET /v1/model: the manifest's schemas decide its shape; NaN metrics go out as null. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { objectiveInWords } from '../../src/bundle/objective.js';
import { fakePredictor } from './fakes.js';
import { makeApp, openApiChecker } from './helpers.js';

describe('GET /v1/model', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    const base = fakePredictor();
    const naturalTest = { ...base.manifest.model.metrics.naturalTest!, rocAuc: Number.NaN };
    const manifest = {
      ...base.manifest,
      thresholdObjective: { kind: 'profit' as const, contactCost: 2, valuePerReturn: 30 },
      model: { ...base.manifest.model, metrics: { ...base.manifest.model.metrics, naturalTest } },
    };
    ({ app } = await makeApp({ load: async () => ({ ...base, manifest }) }));
  });
  afterAll(async () => {
    await app.close();
  });

  it('gives the objective as a value and in words, a metric that is not a number as null, and matches its OpenAPI schema', async () => {
    const res = await app.inject('/v1/model');
    expect(res.statusCode).toBe(200);
    (await openApiChecker(app))('GET', '/v1/model', res.statusCode, String(res.headers['content-type']), res.body);
    const info = res.json();
    expect(info.objective).toEqual({ kind: 'profit', contactCost: 2, valuePerReturn: 30 });
    expect(info.thresholdObjective).toBe(objectiveInWords(info.objective));
    expect(info.model.metrics.naturalTest.rocAuc).toBeNull();
    expect(info.model.metrics.naturalTest.n).toBe(1409);
    expect(info.formatVersion).toBe(2);
    expect(info.data).not.toHaveProperty('fingerprint');
    // A bundle without evaluation.json: nothing from it, and the profit objective's money still.
    expect(info.money).toEqual({ contactCost: 2, valuePerReturn: 30 });
    expect(info.caveats).toEqual([]);
    expect(info.suspectColumns).toEqual([]);
    expect(info.sameThreshold).toBeNull();
    expect(info.report).toBe(false);
    expect(info.model.config).toEqual({ hidden: [50, 50], activation: 'relu', output: 'softmax', learningRate: 0.001, batchSize: 100, maxEpochs: 100, patience: 2, seed: 1 });
  });
});
