/** `rebuy models`: list's figures are the manifests', diff pairs two versions on the same customers when it can. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffVersions, listVersions, showVersion } from '../../src/app/models.js';
import { trainBundle } from '../../src/app/train.js';
import { loadBundle } from '../../src/bundle/load.js';
import { readEvaluation } from '../../src/bundle/evaluation.js';
import { fileStore, type ModelStore } from '../../src/bundle/store.js';
import { compareAuc } from '../../src/evaluate/verdict.js';
import { rocAuc } from '../../src/evaluate/metrics.js';
import { syntheticAudiobooks } from '../server/real.js';

let work: string;
let store: ModelStore;
let data: string;
let other: string;

async function train(name: string, seed: number, hidden: number[], register: string, alias?: string): Promise<void> {
  await trainBundle({
    data,
    out: join(work, name),
    balance: 'random',
    split: [0.8, 0.1, 0.1],
    seed,
    network: { hidden, maxEpochs: 4 },
    baseline: false,
    synthetic: true,
    report: false,
    register: { store, name: register, ...(alias && { alias }) },
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rebuy-models-app-'));
  data = join(work, 'customers.csv');
  other = join(work, 'other.csv');
  await writeFile(data, syntheticAudiobooks(1500, 3));
  await writeFile(other, syntheticAudiobooks(400, 5));
  store = fileStore(join(work, 'store'));
  // v1 and v2: the same data, split and seed, other networks; v3: another split.
  await train('a', 1, [4], 'churn', 'champion');
  await train('b', 1, [16, 8], 'churn', 'challenger');
  await train('c', 2, [4], 'churn');
}, 600_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('models', () => {
  it('list shows each version with its aliases, data fingerprint and the figures its manifest holds', async () => {
    const listed = await listVersions(store);
    expect(listed.map((v) => [v.ref, v.aliases])).toEqual([
      ['churn/v1', ['champion']],
      ['churn/v2', ['challenger']],
      ['churn/v3', []],
    ]);
    for (const v of listed) {
      const { manifest, hash } = await loadBundle((await store.resolve({ name: 'churn', version: v.version })).dir);
      expect(v.hash).toBe(hash);
      expect(v.dataFingerprint).toBe(manifest.data.fingerprint);
      expect(v.metrics.naturalRocAuc).toBe(manifest.model.metrics.naturalTest!.rocAuc);
      expect(v.metrics.balancedAccuracy).toBe(manifest.model.metrics.balancedTest!.accuracy);
      expect(v.createdAt).toBe(manifest.createdAt);
    }
    expect(new Set(listed.map((v) => v.dataFingerprint)).size).toBe(1);
  });

  it('show verifies the version and lists the alias moves that touched it', async () => {
    const shown = await showVersion(store, { name: 'churn', alias: 'champion' });
    expect(shown.version).toBe(1);
    expect(shown.moves.map((m) => [m.alias, m.to, m.reason])).toEqual([['champion', 1, 'registered by rebuy train']]);
  });

  it('diff pairs two versions of the same split on their shared held-out customers, B − A with a paired interval', async () => {
    const diff = await diffVersions(store, { name: 'churn', version: 1 }, { name: 'churn', version: 2 });
    const [a, b] = await Promise.all([1, 2].map(async (version) => readEvaluation(await loadBundle((await store.resolve({ name: 'churn', version })).dir))));
    expect(diff.paired).not.toBeNull();
    expect(diff.paired!.customers).toBe(a!.naturalTest.label.length);
    expect(diff.paired!.rocAuc.model).toBeCloseTo(rocAuc(b!.naturalTest.probability, b!.naturalTest.label), 12);
    expect(diff.paired!.rocAuc.baseline).toBeCloseTo(rocAuc(a!.naturalTest.probability, a!.naturalTest.label), 12);
    expect(diff.paired!.rocAuc).toEqual(compareAuc(b!.naturalTest.probability, a!.naturalTest.probability, a!.naturalTest.label, { seed: 0 }));
    const [low, high] = diff.paired!.rocAuc.interval;
    expect(low).toBeLessThanOrEqual(diff.paired!.rocAuc.difference);
    expect(high).toBeGreaterThanOrEqual(diff.paired!.rocAuc.difference);
    expect(diff.configuration.find((c) => c.field === 'model.config.hidden')).toEqual({ field: 'model.config.hidden', a: [4], b: [16, 8] });
    expect(diff.configuration.some((c) => c.field.startsWith('data.'))).toBe(false);
    expect(diff.schema).toEqual({ added: [], removed: [], changed: [], target: null, id: null });
  });

  it('diff does not pair versions whose held-out customers differ, unless given a labelled file to score both on', async () => {
    const unpaired = await diffVersions(store, { name: 'churn', version: 1 }, { name: 'churn', version: 3 });
    expect(unpaired.paired).toBeNull();
    expect(unpaired.pairedNote).toMatch(/different data or splits.*--data FILE/);
    expect(unpaired.configuration.map((c) => c.field)).toContain('data.seed');
    const paired = await diffVersions(store, { name: 'churn', version: 1 }, { name: 'churn', version: 3 }, { data: other });
    expect(paired.paired).toMatchObject({ source: other, customers: 400 });
    expect(Number.isFinite(paired.paired!.rocAuc.difference)).toBe(true);
  });
});
