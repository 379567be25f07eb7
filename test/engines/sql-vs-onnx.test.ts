/**
 * The compiled SQL, executed by DuckDB (in process) and by a real PostgreSQL server (over a
 * connection), gives every row onnxruntime's probability to 1e-5: the Audiobooks file with a network
 * and with the logistic model, each with and without derived features, and a Hillstrom table
 * (categorical columns, missing numbers and categories) predicting `visit`, also by an ensemble. Ranks follow the
 * Predictor's probabilities wherever they differ by more than that tolerance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { trainBundle, type TrainOptions } from '../../src/app/train.js';
import { loadBundle } from '../../src/bundle/load.js';
import { DIALECTS, quoteIdent, quoteText } from '../../src/compile/dialect.js';
import { scoringPipelineOf } from '../../src/compile/from-bundle.js';
import { compileScoringSql } from '../../src/compile/ensemble-sql.js';
import { resolveNetworkConfig } from '../../src/model/presets.js';
import type { SingleCandidate } from '../../src/train/fit.js';
import { readTable } from '../../src/data/read.js';
import { AUDIOBOOKS_COLUMNS, AUDIOBOOKS_HEADER } from '../../src/domain/audiobooks.js';
import { openDuckDb, runScoringSql, type EngineScoredRow } from '../../src/engines/duckdb.js';
import { connectPostgres, runScoringQuery } from '../../src/engines/postgres.js';
import { loadPredictor } from '../../src/predict/predictor.js';
import { REAL_CSV, SHARED_DATA, realDataPresent } from '../helpers/paths.js';
import { trainEnsembleBundle } from '../helpers/ensemble.js';
import { postgresUrl } from '../helpers/postgres.js';
import { copyToPostgres } from './postgres-tables.js';

const HILLSTROM = join(SHARED_DATA, 'hillstrom.csv');
const TOLERANCE = 1e-5;
const HILLSTROM_ROWS = 20_000;

type Db = Awaited<ReturnType<typeof openDuckDb>>;

interface Case {
  name: string;
  /** Which customers table (loaded once per data set into both engines). */
  data: 'audiobooks' | 'hillstrom';
  train: Partial<TrainOptions>;
  /** Train these members' ensemble (test/helpers/ensemble.ts) instead of calling trainBundle. */
  ensemble?: SingleCandidate[];
}

const CASES: Case[] = [
  { name: 'Audiobooks, 2x10 network', data: 'audiobooks', train: { preset: '2x10', network: { maxEpochs: 3 } } },
  { name: 'Audiobooks, 2x10 network + derived', data: 'audiobooks', train: { preset: '2x10', network: { maxEpochs: 3 }, derived: true } },
  { name: 'Audiobooks, logistic', data: 'audiobooks', train: { model: 'logistic' } },
  { name: 'Audiobooks, logistic + derived', data: 'audiobooks', train: { model: 'logistic', derived: true } },
  { name: 'Hillstrom (categories, missing values), 2x10 network', data: 'hillstrom', train: { preset: '2x10', network: { maxEpochs: 4 }, target: 'visit', id: 'customer' } },
  { name: 'Hillstrom (categories, missing values), logistic', data: 'hillstrom', train: { model: 'logistic', target: 'visit', id: 'customer' } },
  {
    name: 'Hillstrom, an ensemble of a 2x10 network and the logistic model',
    data: 'hillstrom',
    train: { target: 'visit', id: 'customer' },
    ensemble: [
      { name: '2x10', kind: 'network', preset: '2x10', config: resolveNetworkConfig('2x10', { maxEpochs: 4 }) },
      { name: 'logistic', kind: 'logistic' },
    ],
  },
];

/** The Audiobooks file under the bundle's column names, as DuckDB reads it. */
function audiobooksQuery(): string {
  // DuckDB's CSV reader trims the trailing space of the published header.
  const renamed = AUDIOBOOKS_HEADER.map((header, k) => `${quoteIdent(header.trim())} AS ${quoteIdent(AUDIOBOOKS_COLUMNS[k]!)}`);
  return `SELECT ${renamed.join(', ')} FROM read_csv(${quoteText(REAL_CSV)}, header = true)`;
}

/**
 * Hillstrom's first rows with a customer id, the outcome columns other than `visit` dropped, and
 * values taken out on a fixed pattern: numbers and categories go missing.
 */
function hillstromQuery(): string {
  return `SELECT 'h' || CAST(n AS VARCHAR) AS customer, recency, history_segment,
      CASE WHEN n % 7 = 0 THEN NULL ELSE history END AS history, mens, womens,
      CASE WHEN n % 11 = 0 THEN NULL ELSE zip_code END AS zip_code, newbie,
      CASE WHEN n % 13 = 0 THEN NULL ELSE channel END AS channel, segment, visit
    FROM (SELECT *, row_number() OVER () AS n FROM read_csv(${quoteText(HILLSTROM)}, header = true)) WHERE n <= ${HILLSTROM_ROWS}`;
}

function byId(rows: readonly EngineScoredRow[]): Map<string, EngineScoredRow> {
  return new Map(rows.map((r) => [r.id, r]));
}

/** The largest difference from the expected probability, over every id; a missing row fails. */
function worstDifference(rows: readonly EngineScoredRow[], ids: readonly string[], expected: Float32Array): number {
  const found = byId(rows);
  expect(found.size).toBe(ids.length);
  return ids.reduce((worst, id, i) => Math.max(worst, Math.abs(found.get(id)!.probability - expected[i]!)), 0);
}

/** Ranks 1…n follow the Predictor's probabilities: no row ranked below one it beats by more than the tolerance. */
function expectRanksFollow(rows: readonly EngineScoredRow[], ids: readonly string[], expected: Float32Array): void {
  const expectedOf = new Map(ids.map((id, i) => [id, expected[i]!]));
  const ranked = [...rows].sort((a, b) => a.rank! - b.rank!);
  expect(ranked.map((r) => r.rank)).toEqual(ranked.map((_, i) => i + 1));
  let lowestAbove = Infinity;
  let violations = 0;
  for (const row of ranked) {
    const p = expectedOf.get(row.id)!;
    if (p > lowestAbove + TOLERANCE) violations++;
    lowestAbove = Math.min(lowestAbove, p);
  }
  expect(violations).toBe(0);
}

describe.runIf(realDataPresent('compiled SQL against onnxruntime', [REAL_CSV, HILLSTROM]))('compiled SQL in DuckDB and PostgreSQL against onnxruntime', () => {
  const url = postgresUrl('compiled SQL in PostgreSQL');
  let dir: string;
  let db: Db;
  let client: pg.Client | null = null;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebuy-engines-'));
    db = await openDuckDb();
    await db.connection.run(`CREATE TABLE audiobooks AS ${audiobooksQuery()}`);
    await db.connection.run(`CREATE TABLE hillstrom AS ${hillstromQuery()}`);
    await db.connection.run(`COPY hillstrom TO ${quoteText(join(dir, 'hillstrom.csv'))} (HEADER true)`);
    if (url !== null) {
      client = await connectPostgres(url);
      await copyToPostgres(db, client, 'audiobooks');
      await copyToPostgres(db, client, 'hillstrom');
    }
  }, 300_000);

  afterAll(async () => {
    await client?.end();
    db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  CASES.forEach((c, k) => {
    describe(c.name, () => {
      const model = () => join(dir, `model-${k}`);
      const dataFile = () => (c.data === 'audiobooks' ? REAL_CSV : join(dir, 'hillstrom.csv'));
      let ids: string[];
      let expected: Float32Array;
      let threshold: number;

      beforeAll(async () => {
        if (c.ensemble) await trainEnsembleBundle({ data: dataFile(), out: model(), members: c.ensemble, calibration: 'prior', seed: 3, target: c.train.target, id: c.train.id });
        else await trainBundle({ data: dataFile(), out: model(), balance: 'random', split: [0.8, 0.1, 0.1], seed: 3, baseline: false, report: false, ...c.train });
        const predictor = await loadPredictor(model());
        try {
          const table = await readTable(dataFile(), { target: c.train.target, id: c.train.id });
          ids = table.ids;
          expected = await predictor.predictColumns(table);
          threshold = predictor.threshold;
        } finally {
          await predictor.close();
        }
        // Not a constant model: the comparison means something.
        expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.1);
      }, 300_000);

      const compiled = async (dialect: 'duckdb' | 'postgres') => {
        const pipeline = await scoringPipelineOf(await loadBundle(model()));
        if (c.train.model === 'logistic') expect(pipeline.weights.layers).toHaveLength(1);
        if (c.train.derived) expect(pipeline.features.derived?.length).toBeGreaterThan(0);
        if (c.ensemble) expect(pipeline.members).toHaveLength(c.ensemble.length);
        return compileScoringSql(pipeline, DIALECTS[dialect], { table: c.data }, { rank: true });
      };

      const check = (rows: EngineScoredRow[]) => {
        expect(worstDifference(rows, ids, expected)).toBeLessThan(TOLERANCE);
        const found = byId(rows);
        // Labels agree wherever the probability is not within the tolerance of the threshold.
        const labelsDiffer = ids.filter((id, i) => Math.abs(expected[i]! - threshold) > TOLERANCE && found.get(id)!.label !== (expected[i]! >= threshold ? 1 : 0));
        expect(labelsDiffer).toEqual([]);
        expectRanksFollow(rows, ids, expected);
      };

      it('DuckDB: every row to 1e-5, labels and ranks', async () => {
        check(await runScoringSql(db.connection, await compiled('duckdb')));
      });

      it.runIf(url !== null)('PostgreSQL over a connection: every row to 1e-5, labels and ranks', async () => {
        check(await runScoringQuery(client!, await compiled('postgres')));
      });
    });
  });
});
