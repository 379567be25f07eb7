/**
 * The real Audiobooks file: a 2x50 bundle with derived features (ratios, log1p, flags), scored by the
 * Predictor from the project's reader and by the compiled SQL from DuckDB's own CSV reader.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBundle } from '../../src/app/train.js';
import { loadBundle } from '../../src/bundle/load.js';
import { scoringPipelineOf } from '../../src/compile/from-bundle.js';
import { DIALECTS, quoteIdent, quoteText } from '../../src/compile/dialect.js';
import { compilePipelineSql } from '../../src/compile/pipeline-sql.js';
import { readTable } from '../../src/data/read.js';
import { AUDIOBOOKS_COLUMNS, AUDIOBOOKS_HEADER } from '../../src/domain/audiobooks.js';
import { openDuckDb, runScoringSql } from '../../src/engines/duckdb.js';
import { loadPredictor } from '../../src/predict/predictor.js';
import { REAL_CSV, realDataPresent } from '../helpers/paths.js';

const AUDIOBOOKS = REAL_CSV;

describe.runIf(realDataPresent('compiled SQL on Audiobooks'))('compiled SQL on the real Audiobooks file (2x50 + derived)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebuy-sql-audiobooks-'));
    await trainBundle({ data: AUDIOBOOKS, out: join(dir, 'model'), preset: '2x50', derived: true, network: { maxEpochs: 8 }, balance: 'random', split: [0.8, 0.1, 0.1], seed: 1, baseline: false, report: false });
  }, 300_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives every customer the Predictor\'s probability to 1e-6 and the same label', async () => {
    const model = join(dir, 'model');
    const predictor = await loadPredictor(model);
    const db = await openDuckDb();
    try {
      const table = await readTable(AUDIOBOOKS);
      const expected = await predictor.predictColumns(table);
      // DuckDB's CSV reader trims the trailing space of the published header.
      const renamed = AUDIOBOOKS_HEADER.map((header, k) => `${quoteIdent(header.trim())} AS ${quoteIdent(AUDIOBOOKS_COLUMNS[k]!)}`);
      const query = `SELECT ${renamed.join(', ')} FROM read_csv(${quoteText(AUDIOBOOKS)}, header = true)`;
      const pipeline = await scoringPipelineOf(await loadBundle(model));
      expect(pipeline.features.derived?.length).toBeGreaterThan(0);
      const rows = await runScoringSql(db.connection, compilePipelineSql(pipeline, DIALECTS.duckdb, { query }));
      expect(rows).toHaveLength(table.nRows);
      const byId = new Map(rows.map((r) => [r.id, r]));
      let worst = 0;
      let labelsDiffer = 0;
      table.ids.forEach((id, i) => {
        const row = byId.get(id)!;
        worst = Math.max(worst, Math.abs(row.probability - expected[i]!));
        if (row.label !== (expected[i]! >= predictor.threshold ? 1 : 0)) labelsDiffer++;
      });
      expect(worst).toBeLessThan(1e-6);
      expect(labelsDiffer).toBe(0);
    } finally {
      db.close();
      await predictor.close();
    }
  }, 120_000);
});
