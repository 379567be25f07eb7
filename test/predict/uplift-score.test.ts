/**
 * `rebuy score` with an uplift bundle streams the file through the graph a chunk at a time (Hillstrom,
 * two e-mails against none): no model call holds more than a chunk, and the file written is the same,
 * byte for byte, as scoring the whole table at once.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTable } from '../../src/data/read.js';
import { writeCsv, writeParquet } from '../../src/data/write.js';
import { loadPredictor } from '../../src/predict/predictor.js';
import type { Predictor } from '../../src/predict/types.js';
import { scoreUpliftColumns, scoreUpliftFile, upliftOutputColumns } from '../../src/predict/uplift-score.js';
import { rebuy } from '../helpers/cli.js';
import { upliftDeps, type UpliftDeps } from '../server/real.js';

const pending = upliftDeps();
const MONEY = { contactCost: 0.05, valuePerReturn: 1 };

/** The predictor, with the number of rows of each call to its graph recorded. */
function counting(predictor: Predictor): { predictor: Predictor; calls: number[] } {
  const calls: number[] = [];
  const outputs = predictor.predictOutputs!.bind(predictor);
  return {
    calls,
    predictor: {
      ...predictor,
      manifest: predictor.manifest,
      bundleDir: predictor.bundleDir,
      predictColumns: predictor.predictColumns.bind(predictor),
      predictRecords: predictor.predictRecords.bind(predictor),
      close: predictor.close.bind(predictor),
      predictOutputs: (columns) => {
        calls.push(columns.nRows);
        return outputs(columns);
      },
    },
  };
}

describe.skipIf(pending === null)('scoring a file with an uplift bundle', () => {
  let deps: UpliftDeps;
  let predictor: Predictor;
  let dir: string;

  beforeAll(async () => {
    deps = await pending!;
    predictor = await loadPredictor(deps.bundle, { threads: 1 });
    dir = await mkdtemp(join(tmpdir(), 'rebuy-uplift-score-'));
  }, 600_000);
  afterAll(async () => {
    await predictor?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['csv', MONEY],
    ['csv', undefined],
    ['parquet', MONEY],
    // Named as `rebuy score` names Parquet for a response model: .pq too, in any case.
    ['PQ', undefined],
  ] as const)('streams %s in chunks, the same bytes as the whole table scored at once (money %o)', async (format, money) => {
    const whole = upliftOutputColumns(await scoreUpliftColumns(predictor, await readTable(deps.listCsv, { schema: predictor.manifest.schema }), money));
    const once = join(dir, `once.${format}`);
    await (format === 'csv' ? writeCsv(once, whole) : writeParquet(once, whole));

    const { predictor: seen, calls } = counting(predictor);
    const streamed = join(dir, `streamed.${format}`);
    const summary = await scoreUpliftFile(seen, deps.listCsv, streamed, money, { batchRows: 64 });
    expect(calls.length).toBe(Math.ceil(400 / 64));
    expect(Math.max(...calls)).toBe(64);
    expect(summary.rows).toBe(400);
    expect(summary.columns).toEqual(whole.map((c) => c.name));
    const sends = whole.find((c) => c.name === 'send');
    expect(summary.contacted).toBe(sends ? Array.from(sends.values as string[]).filter((s) => s !== 'none').length : null);
    expect(Buffer.compare(await readFile(streamed), await readFile(once))).toBe(0);
    if (format !== 'csv') expect((await readFile(streamed)).subarray(0, 4).toString()).toBe('PAR1');
  });

  it('a bad value part way through the file is refused naming its line and column, and nothing is written', async () => {
    const lines = (await readFile(deps.listCsv, 'utf8')).split('\n');
    lines[300] = lines[300]!.replace(/^\d+,/, 'soon,');
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, lines.join('\n'));
    const out = join(dir, 'bad-scores.csv');
    const r = rebuy(['score', '--model', deps.bundle, '--in', bad, '--out', out, '--contact-cost', '0.05', '--value-per-return', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.csv:301.*recency/);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });
});
