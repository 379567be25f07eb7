/**
 * POST /v1/scores and GET /v1/model when the served bundle is an uplift bundle (Hillstrom, two
 * e-mails against none), through the real Predictor: the answer holds per customer both arms'
 * chances, the uplifts, the treatment sent and the expected incremental profit, agrees with
 * `rebuy score`'s file to the byte, and bad money settings are refused naming the field.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { SCORING_DEFAULTS } from '../../src/config.js';
import type { Predictor } from '../../src/predict/types.js';
import { SHARED_DATA } from '../helpers/paths.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreUpliftFile } from '../../src/predict/uplift-score.js';
import { loadPredictor } from '../../src/predict/predictor.js';
import { makeApp, openApiChecker, type ResponseCheck } from './helpers.js';
import { upliftDeps, type UpliftDeps } from './real.js';

const pending = upliftDeps();
const TREATMENTS = ['Mens E-Mail', 'Womens E-Mail'];

describe.skipIf(pending === null)('the API with an uplift bundle', () => {
  let deps: UpliftDeps;
  let app: FastifyInstance;
  let check: ResponseCheck;
  let list: Buffer;
  let dir: string;

  beforeAll(async () => {
    deps = await pending!;
    ({ app } = await makeApp({ load: () => loadPredictor(deps.bundle, { threads: 1 }) }));
    check = await openApiChecker(app);
    list = await readFile(deps.listCsv);
    dir = await mkdtemp(join(tmpdir(), 'rebuy-uplift-api-'));
  }, 600_000);
  afterAll(async () => {
    await app?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const score = (query: string, accept = 'application/json', body: Buffer | string = list) =>
    app.inject({ method: 'POST', url: `/v1/scores${query}`, headers: { 'content-type': 'text/csv', accept }, payload: body });

  it('answers per customer with both arms, the uplifts, the treatment sent and the incremental profit of the list', async () => {
    const res = await score('?contact_cost=0.05&value_per_return=1');
    expect(res.statusCode).toBe(200);
    check('POST', '/v1/scores', res.statusCode, res.headers['content-type'] as string, res.body);
    const body = res.json();
    expect(body.kind).toBe('uplift');
    expect(body.model).toBe(res.headers['x-rebuy-model']);
    expect(body.treatments).toEqual(TREATMENTS);
    expect(body.control).toBe('No E-Mail');
    expect(body.rows).toHaveLength(400);
    let contacted = 0;
    let profit = 0;
    for (const row of body.rows) {
      expect(row.p_no_contact).toBeGreaterThan(0);
      expect(row.p_no_contact).toBeLessThan(1);
      expect(Object.keys(row.p)).toEqual(TREATMENTS);
      const gains = TREATMENTS.map((t) => row.uplift[t] * 1 - 0.05);
      const best = Math.max(...gains);
      if (best > 0) {
        contacted++;
        expect(row.send).toBe(TREATMENTS[gains.indexOf(best)]);
        expect(row.expected_incremental_profit).toBe(best);
      } else {
        expect(row.send).toBe('none');
        expect(row.expected_incremental_profit).toBe(0);
      }
      expect(row.put_off).toBe(TREATMENTS.every((t) => row.uplift[t] < 0));
      profit += row.expected_incremental_profit;
    }
    // The filter that keeps some customers and leaves others out is a real one on this list.
    expect(contacted).toBeGreaterThan(0);
    expect(contacted).toBeLessThan(400);
    const d = body.decision;
    expect(d.contacted).toBe(contacted);
    expect(d.byTreatment.reduce((a: number, b: number) => a + b, 0)).toBe(contacted);
    expect(d.putOff).toBe(body.rows.filter((r: { put_off: boolean }) => r.put_off).length);
    expect(d.expectedProfit.value).toBe(profit);
    expect(d.expectedProfit.level).toBe(0.95);
    expect(d.expectedProfit.interval[0]).toBeLessThan(profit);
    expect(d.expectedProfit.interval[1]).toBeGreaterThan(profit);
  });

  it('without money settings gives the figures and no decision, as rebuy score does', async () => {
    const body = (await score('')).json();
    expect(body.money).toBeNull();
    expect(body.decision).toBeNull();
    expect(body.rows[0].send).toBeNull();
    expect(body.rows[0].expected_incremental_profit).toBeNull();
  });

  it("the CSV answer is rebuy score's file, byte for byte", async () => {
    const res = await score('?contact_cost=0.05&value_per_return=1', 'text/csv');
    expect(res.statusCode).toBe(200);
    const predictor = await loadPredictor(deps.bundle, { threads: 1 });
    try {
      const out = join(dir, 'scored.csv');
      await scoreUpliftFile(predictor, deps.listCsv, out, { contactCost: 0.05, valuePerReturn: 1 });
      const file = await readFile(out, 'utf8');
      expect(res.body).toBe(file);
      expect(file.split('\n')[0]).toBe('id,p_no_contact,p_Mens E-Mail,uplift_Mens E-Mail,p_Womens E-Mail,uplift_Womens E-Mail,best_treatment,send,expected_incremental_profit,put_off');
    } finally {
      await predictor.close();
    }
  });

  it.each([
    ['?contact_cost=abc&value_per_return=1', 'contact_cost'],
    ['?contact_cost=-1&value_per_return=1', 'contact_cost'],
    ['?contact_cost=1&value_per_return=0', 'value_per_return'],
    ['?contact_cost=1', 'value_per_return'],
    ['?value_per_return=3', 'contact_cost'],
    ['?skip_bad_rows=true', 'skip_bad_rows'],
  ])('refuses %s with 400 naming %s', async (query, field) => {
    const res = await score(query);
    expect(res.statusCode).toBe(400);
    check('POST', '/v1/scores', res.statusCode, res.headers['content-type'] as string, res.body);
    expect(res.json().error.field).toBe(field);
    expect(res.json().error.message).toContain(field);
  });

  it('names the line and column of a bad value in the upload', async () => {
    const lines = list.toString('utf8').split('\n');
    lines[3] = lines[3]!.replace(/^\d+,/, 'soon,');
    const res = await score('?contact_cost=0.05&value_per_return=1', 'application/json', lines.join('\n'));
    expect(res.statusCode).toBe(422);
    const error = res.json().error;
    expect(error.line).toBe(4);
    expect(error.column).toBe('recency');
    expect(error.message).not.toContain(dir);
  });

  it('GET /v1/model describes the held-out uplift evaluation', async () => {
    const res = await app.inject('/v1/model');
    expect(res.statusCode).toBe(200);
    check('GET', '/v1/model', res.statusCode, res.headers['content-type'] as string, res.body);
    const uplift = res.json().uplift;
    expect(uplift.treatments).toEqual(TREATMENTS);
    expect(uplift.treatmentColumn).toBe('segment');
    expect(uplift.outputs).toBeUndefined();
    expect(uplift.evaluation).toHaveLength(2);
    for (const e of uplift.evaluation) {
      const { value, interval } = e.qini.model;
      expect(interval[0]).toBeLessThanOrEqual(value);
      expect(interval[1]).toBeGreaterThanOrEqual(value);
      expect(e.upliftAt.map((k: { share: number }) => k.share)).toEqual([0.1, 0.2, 0.3]);
      for (const k of e.upliftAt) for (const key of ['model', 'response', 'random', 'versusResponse', 'versusRandom']) expect(k[key].interval).toHaveLength(2);
      expect(e.curve.targeted.length).toBeGreaterThan(2);
    }
  });
});

describe.skipIf(pending === null)('the API scores an uplift upload a chunk at a time', () => {
  let app: FastifyInstance;
  let upload: Buffer;
  const calls: number[] = [];
  /** More rows than one chunk holds, none of them learnt from. */
  const ROWS = SCORING_DEFAULTS.batchRows + 3000;

  beforeAll(async () => {
    const deps = await pending!;
    const lines = (await readFile(join(SHARED_DATA, 'hillstrom.csv'), 'utf8')).trimEnd().split('\n');
    upload = Buffer.from(`${[lines[0], ...lines.slice(lines.length - ROWS)].join('\n')}\n`);
    // Every call to the graph is counted: the upload must never go through it whole.
    const load = async (): Promise<Predictor> => {
      const predictor = await loadPredictor(deps.bundle, { threads: 1 });
      const outputs = predictor.predictOutputs!.bind(predictor);
      return Object.assign(Object.create(predictor) as Predictor, {
        predictOutputs: (columns: Parameters<typeof outputs>[0]) => {
          calls.push(columns.nRows);
          return outputs(columns);
        },
      });
    };
    ({ app } = await makeApp({ load }));
  }, 600_000);
  afterAll(async () => {
    await app?.close();
  });

  it('JSON: every row, and the decision summed over the whole list', async () => {
    calls.length = 0;
    const res = await app.inject({ method: 'POST', url: '/v1/scores?contact_cost=0.05&value_per_return=1', headers: { 'content-type': 'text/csv', accept: 'application/json' }, payload: upload });
    expect(res.statusCode).toBe(200);
    expect(calls).toEqual([SCORING_DEFAULTS.batchRows, ROWS - SCORING_DEFAULTS.batchRows]);
    const body = res.json();
    expect(body.rows).toHaveLength(ROWS);
    expect(res.headers['x-rebuy-rows']).toBe(String(ROWS));
    let profit = 0;
    let contacted = 0;
    for (const row of body.rows) {
      profit += row.expected_incremental_profit;
      if (row.send !== 'none') contacted++;
    }
    expect(body.decision.customers).toBe(ROWS);
    expect(body.decision.contacted).toBe(contacted);
    expect(body.decision.expectedProfit.value).toBe(profit);
    expect(body.rows[SCORING_DEFAULTS.batchRows].id).toBe(String(SCORING_DEFAULTS.batchRows + 1));
  });

  it("CSV: rebuy score's file, also written a chunk at a time", async () => {
    calls.length = 0;
    const res = await app.inject({ method: 'POST', url: '/v1/scores?contact_cost=0.05&value_per_return=1', headers: { 'content-type': 'text/csv', accept: 'text/csv' }, payload: upload });
    expect(res.statusCode).toBe(200);
    expect(calls).toEqual([SCORING_DEFAULTS.batchRows, ROWS - SCORING_DEFAULTS.batchRows]);
    expect(res.body.trimEnd().split('\n')).toHaveLength(ROWS + 1);
  });
});
