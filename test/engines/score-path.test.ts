/**
 * `rebuy score --path sql|onnx` on a local file: DuckDB running the compiled pipeline and the
 * streaming ONNX path write the same file — the same columns (duplicate_id included when ids repeat),
 * every row, probabilities within 1e-5, the same labels and the same ranking wherever probabilities
 * differ by more than that — for the logistic model and a network. Without --path the faster path
 * for the model's size is taken, by config.ts's rule; what only the ONNX path does is refused on SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainBundle } from '../../src/app/train.js';
import { multiplyAddsPerRow } from '../../src/app/score-path.js';
import { loadBundle } from '../../src/bundle/load.js';
import type { EnsembleMember } from '../../src/bundle/manifest.js';
import { LOCAL_SQL_PATH } from '../../src/config.js';
import { rebuy } from '../helpers/cli.js';
import { REAL_CSV, realDataPresent } from '../helpers/paths.js';

const TOLERANCE = 1e-5;

interface Written {
  header: string;
  rows: { id: string; probability: number; label: number; rank: number; duplicate: string | undefined }[];
}

async function readScores(path: string): Promise<Written> {
  const [header, ...lines] = (await readFile(path, 'utf8')).trimEnd().split('\n');
  return {
    header: header!,
    rows: lines.map((line) => {
      const [id, probability, label, rank, duplicate] = line.split(',');
      return { id: id!, probability: Number(probability), label: Number(label), rank: Number(rank), duplicate };
    }),
  };
}

describe.runIf(realDataPresent('rebuy score --path', [REAL_CSV]))('rebuy score --path sql|onnx on a local file', () => {
  let dir: string;
  let input: string;
  const model = (name: string) => join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebuy-score-path-'));
    // The real file with its first three customers repeated at the end: both paths mark them.
    const lines = (await readFile(REAL_CSV, 'utf8')).trimEnd().split('\n');
    input = join(dir, 'customers.csv');
    await writeFile(input, `${[...lines, ...lines.slice(1, 4)].join('\n')}\n`);
    const common = { data: REAL_CSV, balance: 'random' as const, split: [0.8, 0.1, 0.1] as [number, number, number], seed: 2, baseline: false, report: false };
    await trainBundle({ ...common, out: model('logistic'), model: 'logistic' });
    await trainBundle({ ...common, out: model('2x10'), preset: '2x10', network: { maxEpochs: 3 } });
  }, 600_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const name of ['logistic', '2x10']) {
    it(`${name}: both paths write the same columns and rows, probabilities to 1e-5, the same labels and ranking`, async () => {
      for (const path of ['sql', 'onnx']) {
        const run = rebuy(['score', '--model', model(name), '--in', input, '--out', join(dir, `${name}-${path}.csv`), '--path', path, '--json']);
        expect(run.code, run.stderr).toBe(0);
        expect(JSON.parse(run.stdout)).toMatchObject({ path, duplicateIds: { ids: 3, rows: 6 } });
      }
      const sql = await readScores(join(dir, `${name}-sql.csv`));
      const onnx = await readScores(join(dir, `${name}-onnx.csv`));
      expect(sql.header).toBe('id,probability,label,rank,duplicate_id');
      expect(sql.header).toBe(onnx.header);
      expect(sql.rows).toHaveLength(onnx.rows.length);
      expect(sql.rows.map((r) => r.rank)).toEqual(onnx.rows.map((_, i) => i + 1));
      const threshold = (await loadBundle(model(name))).manifest.threshold;
      // Row k of each file: the same customer, or two whose probabilities are within the tolerance (a tie broken by a last digit).
      const misplaced = sql.rows.filter((r, k) => r.id !== onnx.rows[k]!.id && Math.abs(r.probability - onnx.rows[k]!.probability) > TOLERANCE);
      expect(misplaced).toEqual([]);
      // Repeated ids appear twice: compare by id and occurrence.
      const keyed = (rows: Written['rows']) => {
        const seen = new Map<string, number>();
        return new Map(rows.map((r) => [`${r.id}#${seen.set(r.id, (seen.get(r.id) ?? 0) + 1).get(r.id)}`, r]));
      };
      const bySql = keyed([...sql.rows].sort((a, b) => a.id.localeCompare(b.id) || a.probability - b.probability));
      const byOnnx = keyed([...onnx.rows].sort((a, b) => a.id.localeCompare(b.id) || a.probability - b.probability));
      let worst = 0;
      for (const [key, expected] of byOnnx) {
        const got = bySql.get(key)!;
        worst = Math.max(worst, Math.abs(got.probability - expected.probability));
        if (Math.abs(expected.probability - threshold) > TOLERANCE) expect(got.label).toBe(expected.label);
        expect(got.duplicate).toBe(expected.duplicate);
      }
      expect(worst).toBeLessThan(TOLERANCE);
      expect(new Set(onnx.rows.map((r) => r.label))).toEqual(new Set([0, 1]));
    }, 300_000);
  }

  it('without --path, takes the path config.ts picks for the model size: SQL for the logistic model, ONNX for a 2x10 network', async () => {
    for (const name of ['logistic', '2x10']) {
      const { manifest } = await loadBundle(model(name));
      const run = rebuy(['score', '--model', model(name), '--in', input, '--out', join(dir, `${name}-default.csv`), '--json']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).path).toBe(multiplyAddsPerRow(manifest) <= LOCAL_SQL_PATH.maxMultiplyAdds ? 'sql' : 'onnx');
    }
    expect(multiplyAddsPerRow((await loadBundle(model('logistic'))).manifest)).toBeLessThanOrEqual(LOCAL_SQL_PATH.maxMultiplyAdds);
    expect(multiplyAddsPerRow((await loadBundle(model('2x10'))).manifest)).toBeGreaterThan(LOCAL_SQL_PATH.maxMultiplyAdds);
  }, 300_000);

  it("counts an ensemble's multiply-adds as its members' sum, so an ensemble with a network takes the ONNX path", async () => {
    const logistic = (await loadBundle(model('logistic'))).manifest;
    const network = (await loadBundle(model('2x10'))).manifest;
    const member = (m: typeof network): EnsembleMember => ({
      name: m.model.name,
      kind: m.model.kind === 'logistic' ? 'logistic' : 'network',
      preset: m.model.preset,
      config: m.model.config,
      calibration: m.calibration,
      history: [],
      bestEpoch: 0,
      trainSeconds: 0,
      files: { topology: 'member.json', weights: 'member.bin' },
    });
    const ensemble = { ...network, model: { ...network.model, kind: 'ensemble' as const, config: null, members: [member(logistic), member(network)] } };
    expect(multiplyAddsPerRow(ensemble)).toBe(multiplyAddsPerRow(logistic) + multiplyAddsPerRow(network));
    expect(multiplyAddsPerRow(ensemble)).toBeGreaterThan(LOCAL_SQL_PATH.maxMultiplyAdds);
  });

  it('--memory-limit: more memory writes the same file; too little is exit 2 naming the file and the flag, with nothing written', async () => {
    for (const path of ['sql', 'onnx']) {
      const usual = join(dir, `usual-${path}.csv`);
      expect(rebuy(['score', '--model', model('2x10'), '--in', input, '--out', usual, '--path', path]).code).toBe(0);
      const roomy = join(dir, `roomy-${path}.csv`);
      const run = rebuy(['score', '--model', model('2x10'), '--in', input, '--out', roomy, '--path', path, '--memory-limit', '512MB']);
      expect(run.code, run.stderr).toBe(0);
      expect(await readFile(roomy, 'utf8')).toBe(await readFile(usual, 'utf8'));
      const tight = join(dir, `tight-${path}.csv`);
      const starved = rebuy(['score', '--model', model('2x10'), '--in', input, '--out', tight, '--path', path, '--memory-limit', '1MB']);
      expect(starved.code, starved.stderr).toBe(2);
      expect(starved.stderr.trim()).toBe(`rebuy: ${input}: scoring needed more memory than --memory-limit 1MB: give DuckDB more with --memory-limit, e.g. --memory-limit 2GB`);
      await expect(readFile(tight)).rejects.toThrow(/ENOENT/);
    }
    const unreadable = rebuy(['score', '--model', model('2x10'), '--in', input, '--out', join(dir, 'x.csv'), '--memory-limit', 'lots']);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain('expected a size such as 512MB or 2GB, got "lots"');
  }, 300_000);

  it('refuses what the SQL path cannot do, and an unknown path, with exit 2', () => {
    const out = join(dir, 'refused.csv');
    const reasons = rebuy(['score', '--model', model('logistic'), '--in', input, '--out', out, '--path', 'sql', '--reasons', '2']);
    expect(reasons.code).toBe(2);
    expect(reasons.stderr).toContain('--path sql: --reasons goes with the ONNX path only');
    const unknown = rebuy(['score', '--model', model('logistic'), '--in', input, '--out', out, '--path', 'gpu']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--path: expected sql or onnx, got "gpu"');
    const both = rebuy(['score', '--model', model('logistic'), '--engine', 'duckdb', '--in', input, '--out', out, '--path', 'sql']);
    expect(both.code).toBe(2);
  });
});
