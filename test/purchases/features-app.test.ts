import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFeatures } from '../../src/app/features.js';
import { readTable } from '../../src/data/read.js';
import { CDNOW_CUTOFF, CDNOW_HOLDOUT_DAYS, CDNOW_SPEC, hasCdnow } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-features-app-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.runIf(hasCdnow)('rebuy features --bgnbd', () => {
  const opts = { ...CDNOW_SPEC, cutoff: CDNOW_CUTOFF, horizonDays: CDNOW_HOLDOUT_DAYS, bgnbd: true };

  it('adds BG/NBD and Gamma-Gamma outputs as features before the target, in a table rebuy reads', async () => {
    const out = join(dir, 'cdnow-bgnbd.csv');
    const result = await buildFeatures({ ...opts, out });
    expect(result.columns.slice(-6)).toEqual(['bgnbd_p_alive', 'bgnbd_expected', 'bgnbd_p_any', 'gg_expected_spend', 'expected_value', 'bought_again']);
    // Fitted in days: α is the weekly paper's 4.414 × 7; r, a, b do not depend on the unit.
    expect(result.bgnbd!.params.alpha / 7).toBeCloseTo(4.414, 2);
    expect(result.bgnbd!.params.r).toBeCloseTo(0.243, 3);
    const table = await readTable(out, { target: 'bought_again', id: 'id' });
    const pAny = table.numeric.get('bgnbd_p_any')!;
    const pAlive = table.numeric.get('bgnbd_p_alive')!;
    for (let i = 0; i < pAny.length; i++) {
      expect(pAny[i]).toBeGreaterThan(0);
      expect(pAny[i]).toBeLessThanOrEqual(pAlive[i]!);
      expect(pAlive[i]).toBeLessThanOrEqual(1);
    }
  });

  it('leaks nothing after the cutoff: holdout rows rewritten at random leave every feature, model columns included, byte-identical', async () => {
    const text = await readFile(CDNOW_SPEC.file, 'utf8');
    let state = 777;
    const rand = (n: number): number => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      return state % n;
    };
    const rewritten = text
      .split('\n')
      .map((line) => {
        const f = line.trim().split(/\s+/);
        if (f.length < 5 || f[2]! <= '19970930') return line;
        return ` ${f[0]} ${String(1 + rand(2357)).padStart(4, '0')} 1998${String(1 + rand(6)).padStart(2, '0')}15 1 ${(rand(9_000) / 100).toFixed(2)}\r`;
      })
      .join('\n');
    const log = join(dir, 'rewritten.txt');
    await writeFile(log, rewritten);
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    await buildFeatures({ ...opts, out: a });
    await buildFeatures({ ...opts, file: log, out: b });
    const features = async (path: string): Promise<string> =>
      (await readFile(path, 'utf8')).split('\n').map((l) => l.split(',').slice(0, -1).join(',')).join('\n');
    expect(await readFile(b, 'utf8')).not.toBe(await readFile(a, 'utf8'));
    expect(await features(b)).toBe(await features(a));
  });
});
