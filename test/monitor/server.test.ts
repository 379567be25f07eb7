/** POST /v1/monitor over a real bundle: a CSV upload under the rules of /v1/scores, answered with the run. */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorShape, makeApp, openApiChecker, type ResponseCheck } from '../server/helpers.js';
import { realDeps, syntheticAudiobooks } from '../server/real.js';

const available = await realDeps.available();

describe.skipIf(!available)('POST /v1/monitor', () => {
  let app: FastifyInstance;
  let check: ResponseCheck;
  let csv: string;

  beforeAll(async () => {
    const real = await realDeps.get();
    ({ app } = await makeApp({ load: real.loadPredictor, scoreFile: real.scoreFile, bundleDir: real.bundles[0] }));
    check = await openApiChecker(app);
    csv = await readFile(real.sampleCsv, 'utf8');
  }, 300_000);
  afterAll(async () => {
    await app?.close();
  });

  async function post(payload: string, contentType = 'text/csv') {
    const res = await app.inject({ method: 'POST', url: '/v1/monitor', payload, headers: { 'content-type': contentType } });
    check('POST', '/v1/monitor', res.statusCode, String(res.headers['content-type']), res.body);
    return res;
  }

  it('answers a list like the training data with its drift, the estimate and the measured figures', async () => {
    const res = await post(csv);
    expect(res.statusCode).toBe(200);
    const run = res.json();
    expect(run.data).toEqual({ file: 'upload.csv', rows: 300 });
    expect(run.columns).toHaveLength(10);
    // 300 rows: the p-value tests.
    expect(run.columns.every((c: { method: string }) => c.method === 'ks' || c.method === 'chi-squared')).toBe(true);
    expect(run.summary[0]).toMatch(/^This list of 300 customers/);
    expect(run.estimate.expected.rows).toBe(300);
    expect(run.estimate.realized.rows).toBe(300);
    expect(run.estimate.intervals.accuracy.lower).toBeLessThanOrEqual(run.estimate.expected.accuracy);
    expect(res.headers['x-rebuy-model']).toBe(run.model.hash);
  });

  it('sees a list of customers unlike the training ones', async () => {
    // Every customer with a fifth of the completion: the model's main signal moves.
    const lines = syntheticAudiobooks(400, 99).trimEnd().split('\n');
    const header = lines[0]!.split(',');
    const at = header.indexOf('completion');
    const changed = [lines[0], ...lines.slice(1).map((l) => l.split(',').map((v, i) => (i === at ? String(Number(v) / 5) : v)).join(','))].join('\n');
    const run = (await post(changed)).json();
    expect(run.alert.flagged).toContain('completion');
    expect(run.summary.join(' ')).toMatch(/completion/);
  });

  it('names the upload, line, column and value of a bad cell, never the temporary path', async () => {
    const lines = csv.split('\n');
    lines[3] = lines[3]!.replace(/^([^,]*),[^,]*/, '$1,long');
    const res = await post(lines.join('\n'));
    expect(res.statusCode).toBe(422);
    const error = expectErrorShape(res.body, 'INPUT_INVALID');
    expect(error.message).toContain('upload.csv:4');
    expect(error.message).toContain('"long"');
    expect(error.message).not.toMatch(/\/tmp|rebuy-upload/);
  });

  it('takes only CSV', async () => {
    const res = await post('{"a": 1}', 'application/json');
    expect(res.statusCode).toBe(415);
  });
});
