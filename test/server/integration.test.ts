/** The routes over real bundles, the real loadPredictor and the real scoreFile. */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIOBOOKS_COLUMNS } from '../../src/domain/audiobooks.js';
import { expectErrorShape, makeApp, openApiChecker, type ResponseCheck } from './helpers.js';
import { realDeps, type RealDeps } from './real.js';

const available = await realDeps.available();

describe.skipIf(!available)('routes over a real bundle', () => {
  let real: RealDeps;
  let app: FastifyInstance;
  let check: ResponseCheck;
  let csv: string;
  let work: string;

  beforeAll(async () => {
    real = await realDeps.get();
    // The test bundles and this file's work directory are both under the system temporary directory.
    ({ app } = await makeApp({ load: real.loadPredictor, scoreFile: real.scoreFile, bundleDir: real.bundles[0], modelsRoot: tmpdir() }));
    check = await openApiChecker(app);
    csv = await readFile(real.sampleCsv, 'utf8');
    work = await mkdtemp(join(tmpdir(), 'rebuy-integration-'));
  });
  afterAll(async () => {
    await app?.close();
    await rm(work, { recursive: true, force: true });
  });

  async function post(url: string, payload: string | object, headers: Record<string, string> = {}) {
    const res = await app.inject({ method: 'POST', url, payload, headers });
    check('POST', url.split('?')[0]!, res.statusCode, String(res.headers['content-type']), res.body);
    return res;
  }

  function customers(n: number): Record<string, string | number>[] {
    const lines = csv.trim().split('\n').slice(1, n + 1);
    const names = AUDIOBOOKS_COLUMNS.filter((c) => c !== 'target');
    return lines.map((l) => Object.fromEntries(l.split(',').slice(0, names.length).map((v, j) => [names[j]!, j === 0 ? v : Number(v)])));
  }

  it('JSON predictions agree with the scored file, row by row', async () => {
    const batch = customers(40);
    const predicted = (await post('/v1/predictions', { customers: batch })).json();
    const scored = (await post('/v1/scores', csv, { 'content-type': 'text/csv', accept: 'application/json' })).json();
    const byId = new Map<string, { probability: number; label: number }>(scored.rows.map((r: { id: string }) => [r.id, r]));
    for (const p of predicted.predictions) {
      const s = byId.get(p.id)!;
      expect(Math.abs(s.probability - p.probability), p.id).toBeLessThan(2e-6);
      expect(p.label).toBe(p.probability >= predicted.threshold ? 1 : 0);
    }
    const single = (await post('/v1/predictions', batch[3]!)).json().predictions[0];
    expect(single).toEqual(predicted.predictions[3]);
  });

  it('scores a file best first, every row once', async () => {
    const res = await post('/v1/scores', csv, { 'content-type': 'text/csv', accept: 'application/json' });
    expect(res.statusCode).toBe(200);
    const rows = res.json().rows as { id: string; probability: number; rank: number }[];
    expect(rows).toHaveLength(300);
    expect(rows.map((r) => r.rank)).toEqual(rows.map((_, i) => i + 1));
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.probability).toBeLessThanOrEqual(rows[i - 1]!.probability);
    expect(new Set(rows.map((r) => r.id)).size).toBe(300);
    const asCsv = await post('/v1/scores', csv, { 'content-type': 'text/csv' });
    expect(asCsv.body.split('\n')[0]).toBe('id,probability,label,rank');
  });

  it('gives reasons in words for predictions and for the best rows of a file', async () => {
    const p = (await post('/v1/predictions?reasons=3', { customers: customers(2) })).json().predictions;
    for (const prediction of p) {
      expect(prediction.reasons).toHaveLength(3);
      expect(prediction.reasons[0].text).toMatch(/(raises|lowers) the chance/);
    }
    const scored = (await post('/v1/scores?reasons=2', csv, { 'content-type': 'text/csv', accept: 'application/json' })).json();
    expect(scored.rows.every((r: { reasons?: unknown[] }) => r.reasons?.length === 2)).toBe(true);
  });

  it('422 for a bad value: line, column and value from the reader', async () => {
    const lines = csv.split('\n');
    const cells = lines[5]!.split(',');
    cells[8] = 'lots';
    lines[5] = cells.join(',');
    const res = await post('/v1/scores', lines.join('\n'), { 'content-type': 'text/csv' });
    expect(res.statusCode).toBe(422);
    const err = expectErrorShape(res.body, 'INPUT_INVALID');
    expect(err.line).toBe(6);
    expect(err.column).toBe('minutes_listened');
    expect(err.message).toContain('upload.csv:6');
    expect(err.message).toContain('"lots"');
  });

  it('a broken CSV structure is refused with its line, as a client error', async () => {
    const res = await post('/v1/scores', `${csv.split('\n').slice(0, 4).join('\n')}\n1,2,3\n`, { 'content-type': 'text/csv' });
    expect(res.statusCode).toBe(400);
    expect(expectErrorShape(res.body).line).toBe(5);
  });

  it('422 for a customer missing a field', async () => {
    const { completion: _, ...partial } = customers(1)[0]!;
    const res = await post('/v1/predictions', partial);
    expect(res.statusCode).toBe(422);
    expect(expectErrorShape(res.body, 'INPUT_INVALID').field).toBe('completion');
  });

  it('summarises the real manifest', async () => {
    const res = await app.inject('/v1/model');
    check('GET', '/v1/model', res.statusCode, String(res.headers['content-type']), res.body);
    const m = res.json();
    expect(m.synthetic).toBe(true);
    expect(m.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(m.model.history.length).toBeGreaterThan(0);
    expect(m.model.metrics.naturalTest.n).toBeGreaterThan(0);
    expect(m.featureNames.length).toBeGreaterThanOrEqual(10);
  });

  it('reloads another bundle, refuses a tampered one and keeps serving', async () => {
    const before = (await app.inject('/v1/model')).json().hash;
    const other = await post('/v1/model/reload', { model: real.bundles[1] });
    expect(other.statusCode).toBe(200);
    expect(other.json().previous).toBe(before);
    const tampered = join(work, 'tampered');
    await cp(real.bundles[0], tampered, { recursive: true });
    const onnx = join(tampered, 'model.onnx');
    const bytes = await readFile(onnx);
    bytes[bytes.length - 1] = bytes.at(-1)! ^ 0xff;
    await writeFile(onnx, bytes);
    const refused = await post('/v1/model/reload', { model: tampered });
    expect(refused.statusCode).toBe(422);
    expectErrorShape(refused.body, 'BUNDLE_INVALID');
    const missing = await post('/v1/model/reload', { model: join(work, 'nothing-here') });
    expect(missing.statusCode).toBeGreaterThanOrEqual(400);
    expect(missing.statusCode).toBeLessThan(500);
    expect((await app.inject('/v1/model')).json().hash).toBe(other.json().hash);
    expect((await post('/v1/predictions', customers(1)[0]!)).statusCode).toBe(200);
  });
});
