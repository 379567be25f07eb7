import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backgroundJson, readBackground, toBackground } from '../../src/bundle/background.js';
import { agree, MetricSetSchema, FeatureStateSchema } from '../../src/bundle/format.js';
import { sha256 } from '../../src/bundle/hash.js';
import { loadBundle } from '../../src/bundle/load.js';
import { FORMAT_VERSION } from '../../src/bundle/manifest.js';
import { objectiveInWords, type BundleObjective } from '../../src/bundle/objective.js';
import { saveBundle } from '../../src/bundle/save.js';
import { RebuyError } from '../../src/errors.js';
import type { MetricSet } from '../../src/evaluate/metrics.js';
import type { FeatureState } from '../../src/prep/features.js';
import { computeMetrics } from '../../src/evaluate/metrics.js';
import { draftManifest } from './fixtures.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rebuy-format-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Rewrites manifest.json and its hash line, as someone editing a bundle by hand would. */
async function editManifest(dir: string, edit: (manifest: Record<string, unknown>) => void): Promise<void> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  edit(manifest);
  const text = JSON.stringify(manifest, null, 2);
  await writeFile(join(dir, 'manifest.json'), text);
  await writeFile(join(dir, 'manifest.sha256'), `${sha256(text)}  manifest.json\n`);
}

async function loadError(dir: string): Promise<RebuyError> {
  const err = await loadBundle(dir).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(RebuyError);
  expect((err as RebuyError).code).toBe('BUNDLE_INVALID');
  expect((err as RebuyError).exitCode).toBe(2);
  return err as RebuyError;
}

describe('manifest.json against its schema', () => {
  it('refuses a field of the wrong type, naming the file, the field and the value', async () => {
    const dir = join(root, 'model');
    await saveBundle(dir, draftManifest('a'), new Map([['w.bin', 'x']]));
    await editManifest(dir, (m) => {
      (m.model as { history: unknown[] }).history = [{ epoch: 1, loss: 'low', accuracy: 0.5, valLoss: 0.1, valAccuracy: 0.5 }];
    });
    expect((await loadError(dir)).message).toBe(`model bundle ${dir}: manifest.json: model.history[0].loss is "low": expected number or null`);
  });

  it('refuses a missing field and an unknown objective', async () => {
    const dir = join(root, 'model');
    await saveBundle(dir, draftManifest('a'), new Map());
    await editManifest(dir, (m) => void delete m.calibration);
    expect((await loadError(dir)).message).toMatch(/manifest\.json: calibration is missing$/);
    await editManifest(dir, (m) => {
      m.calibration = { method: 'none', slope: 1, intercept: 0 };
      m.thresholdObjective = 'profit:cost=2,value=30';
    });
    expect((await loadError(dir)).message).toMatch(
      /manifest\.json: thresholdObjective is "profit:cost=2,value=30": expected \{ kind: "balanced" \} or \{ kind: "accuracy" \} or .* or \{ kind: "profit" \}$/,
    );
  });

  it('refuses a bundle of the first format version with a way forward', async () => {
    const dir = join(root, 'model');
    await saveBundle(dir, draftManifest('a'), new Map());
    await editManifest(dir, (m) => void (m.formatVersion = 1));
    expect((await loadError(dir)).message).toMatch(`manifest.json has format version 1; this rebuy reads version ${FORMAT_VERSION}: train the model again`);
    await editManifest(dir, (m) => void (m.format = 'something-else'));
    expect((await loadError(dir)).message).toMatch(/manifest\.json is not a rebuy bundle manifest/);
  });

  it('keeps metrics that are not numbers (one class only) as NaN through null in the file', async () => {
    const dir = join(root, 'model');
    const draft = draftManifest('a');
    const oneClass = computeMetrics([0.2, 0.7], [0, 0], 0.5);
    expect(oneClass.rocAuc).toBeNaN();
    draft.model.metrics.naturalTest = oneClass;
    await saveBundle(dir, draft, new Map());
    expect(await readFile(join(dir, 'manifest.json'), 'utf8')).toContain('"rocAuc": null');
    expect((await loadBundle(dir)).manifest.model.metrics.naturalTest).toEqual(oneClass);
  });

  it('writes nothing when the manifest would not load again', async () => {
    const draft = draftManifest('a');
    draft.threshold = Number.NaN;
    const err = await saveBundle(join(root, 'model'), draft, new Map([['w.bin', 'x']])).then(() => null, (e: unknown) => e);
    expect((err as RebuyError).code).toBe('INTERNAL');
    expect((err as RebuyError).message).toMatch(/manifest\.json would not match its schema: threshold is null/);
    expect(await readdir(root)).toEqual([]);
  });
});

describe('background.json against its schema', () => {
  it('reads back what was written, and refuses a column of the wrong length', async () => {
    const columns = { nRows: 2, numeric: new Map([['x', Float64Array.from([1, Number.NaN])]]), categorical: new Map([['c', ['a', null]]]) };
    const good = join(root, 'good');
    await saveBundle(good, draftManifest('a'), new Map([['background.json', backgroundJson(toBackground(columns))]]));
    const read = await readBackground(await loadBundle(good));
    expect(Array.from(read.numeric.get('x')!)).toEqual([1, Number.NaN]);
    expect(read.categorical.get('c')).toEqual(['a', null]);

    const bad = join(root, 'bad');
    await saveBundle(bad, draftManifest('a'), new Map([['background.json', JSON.stringify({ nRows: 3, numeric: { x: [1, null] }, categorical: {} })]]));
    await expect(readBackground(await loadBundle(bad))).rejects.toThrow(/background\.json: column x has 2 values but nRows is 3/);
    await saveBundle(bad, draftManifest('a'), new Map([['background.json', JSON.stringify({ nRows: 1, numeric: { x: ['1'] }, categorical: {} })]]));
    await expect(readBackground(await loadBundle(bad))).rejects.toThrow(/background\.json: numeric\.x\[0\] is "1"/);
  });
});

describe('schemas and runtime types', () => {
  it('cannot drift apart: a field added to either side stops the build', () => {
    agree<typeof MetricSetSchema, MetricSet>(true);
    // @ts-expect-error an extra optional field on the runtime side is a difference
    agree<typeof MetricSetSchema, MetricSet & { lift?: number }>(true);
    // @ts-expect-error a field missing from the runtime side is a difference
    agree<typeof FeatureStateSchema, Omit<FeatureState, 'derived'>>(true);
    expect(MetricSetSchema.required).toContain('rocAuc');
  });
});

describe('objectiveInWords', () => {
  it.each<[BundleObjective, string]>([
    [{ kind: 'balanced' }, "the course notebooks' rule: a raw probability of at least 0.5 on the balanced training mix, carried over to calibrated probabilities"],
    [{ kind: 'f1' }, 'the threshold with the best F1 score on the validation part, a balance between finding buyers and not wasting contacts'],
    [{ kind: 'accuracy' }, 'the threshold with the most correct yes/no predictions on the validation part'],
    [{ kind: 'topK', k: 1500 }, 'a budget: contact the 1,500 highest-scored customers'],
    [{ kind: 'topFraction', fraction: 0.125 }, 'a budget: contact the top 12.5 % of customers'],
    [{ kind: 'profit', contactCost: 2.5, valuePerReturn: 30 }, 'the highest expected profit from the calibrated probabilities, with a contact cost of 2.5 and a value of 30 per returning customer'],
  ])('%j', (objective, words) => {
    expect(objectiveInWords(objective)).toBe(words);
  });
});
