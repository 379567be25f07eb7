/**
 * The bundle's model.onnx is the whole pipeline: fed nothing but the raw columns, through an
 * onnxruntime-node session of its own, it gives what `rebuy score` writes, on every row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { trainBundle } from '../../src/app/train.js';
import { ONNX_FILE } from '../../src/bundle/layout.js';
import { createRng } from '../../src/core/random.js';
import { rebuy } from '../helpers/cli.js';

interface Customer {
  id: string;
  tenure: number | null;
  spend: number | null;
  plan: string | null;
  region: string | null;
}

const PLANS = ['basic', 'gold', 'silver'];
const REGIONS = ['east', 'north', 'south', 'west'];

function customers(n: number, seed: number, firstId: number): Customer[] {
  const rng = createRng(seed);
  const pick = <T>(values: readonly T[]) => values[Math.floor(rng() * values.length)]!;
  return Array.from({ length: n }, (_, i) => ({
    id: `c${firstId + i}`,
    tenure: rng() < 0.15 ? null : Math.round(rng() * 3600) / 10,
    spend: rng() < 0.1 ? null : Math.round(rng() * 50000) / 100,
    plan: rng() < 0.12 ? null : pick(PLANS),
    region: rng() < 0.08 ? null : pick(REGIONS),
  }));
}

function toCsv(rows: readonly Customer[], target?: (c: Customer) => number): string {
  const field = (v: number | string | null) => (v === null ? '' : String(v));
  const header = `id,tenure,spend,plan,region${target ? ',target' : ''}`;
  const lines = rows.map((c) => [c.id, c.tenure, c.spend, c.plan, c.region, ...(target ? [target(c)] : [])].map(field).join(','));
  return `${header}\n${lines.join('\n')}\n`;
}

/** Buyers: long tenure, the gold plan, the north; so the model has something to learn from each kind of column. */
function buysAgain(rng: () => number): (c: Customer) => number {
  return (c) => {
    const z = ((c.tenure ?? 100) - 180) / 90 + (c.plan === 'gold' ? 1.2 : c.plan === null ? -0.5 : 0) + (c.region === 'north' ? 0.8 : 0) + (rng() - 0.5);
    return z > 0 ? 1 : 0;
  };
}

describe('model.onnx from raw columns alone', () => {
  let dir: string;
  let scored: Map<string, number>;
  let probe: Customer[];
  let session: ort.InferenceSession;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebuy-raw-'));
    const train = join(dir, 'train.csv');
    await writeFile(train, toCsv(customers(800, 1, 1), buysAgain(createRng(2))));
    const model = join(dir, 'model');
    await trainBundle({ data: train, out: model, preset: '2x10', network: { maxEpochs: 15 }, balance: 'random', split: [0.8, 0.1, 0.1], seed: 4, baseline: false, report: false });

    // Scored customers: new ones, plus the same customer with an unseen, a missing and another unseen plan.
    const twin = { tenure: 250, spend: 120.5, region: 'north' };
    probe = [
      ...customers(300, 9, 5000),
      { id: 'unseen', ...twin, plan: 'platinum' },
      { id: 'missing', ...twin, plan: null },
      { id: 'unseen2', ...twin, plan: 'Gold' },
      { id: 'seen', ...twin, plan: 'gold' },
      { id: 'all-missing', tenure: null, spend: null, plan: null, region: null },
    ];
    const input = join(dir, 'score.csv');
    const output = join(dir, 'scores.csv');
    await writeFile(input, toCsv(probe));
    const run = rebuy(['score', '--model', model, '--in', input, '--out', output]);
    expect(run.code, run.stderr).toBe(0);
    const lines = (await readFile(output, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('id,probability,label,rank');
    scored = new Map(lines.slice(1).map((line) => {
      const [id, probability] = line.split(',');
      return [id!, Number(probability)];
    }));
    session = await ort.InferenceSession.create(await readFile(join(model, ONNX_FILE)));
  }, 300_000);

  afterAll(async () => {
    await session?.release();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes exactly the raw columns: float64 numbers (NaN = missing) and strings ("" = missing)', () => {
    expect(session.inputNames).toEqual(['tenure', 'spend', 'plan', 'region']);
    expect(session.outputNames).toEqual(['probability']);
  });

  it('matches `rebuy score` to 1e-6 on every row', async () => {
    const n = probe.length;
    const number = (v: number | null) => v ?? Number.NaN;
    const text = (v: string | null) => v ?? '';
    const result = await session.run({
      tenure: new ort.Tensor('float64', Float64Array.from(probe, (c) => number(c.tenure)), [n]),
      spend: new ort.Tensor('float64', Float64Array.from(probe, (c) => number(c.spend)), [n]),
      plan: new ort.Tensor('string', probe.map((c) => text(c.plan)), [n]),
      region: new ort.Tensor('string', probe.map((c) => text(c.region)), [n]),
    });
    const probabilities = result['probability']!.data as Float32Array;
    expect(scored.size).toBe(n);
    let worst = 0;
    probe.forEach((c, i) => {
      expect(scored.has(c.id)).toBe(true);
      worst = Math.max(worst, Math.abs(probabilities[i]! - scored.get(c.id)!));
    });
    expect(worst).toBeLessThan(1e-6);
    // Not a constant model: the comparison means something.
    expect(Math.max(...probabilities) - Math.min(...probabilities)).toBeGreaterThan(0.2);
  });

  it('puts unseen and missing categorical values in the same "other" slot, apart from a seen level', () => {
    const other = scored.get('missing')!;
    expect(scored.get('unseen')).toBe(other);
    expect(scored.get('unseen2')).toBe(other);
    expect(scored.get('seen')).not.toBe(other);
  });
});
