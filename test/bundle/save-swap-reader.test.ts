/** Readers of a bundle that saves keep replacing: with readDuringSwap, never a missing or mixed bundle. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/bundle/load.js';
import { readDuringSwap, saveBundle } from '../../src/bundle/save.js';
import { isRebuyError } from '../../src/errors.js';
import { draftManifest } from './fixtures.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'rebuy-swap-reader-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const SAVES = 40;

describe('readDuringSwap', () => {
  it('loads the old or the new bundle whole while saves swap it, where a plain load sometimes finds it missing', async () => {
    const dir = join(root, 'model');
    const save = (i: number): Promise<unknown> => saveBundle(dir, draftManifest(`v${i}`), new Map([['w.bin', `weights ${i}`]]));
    await save(0);
    let saving = true;
    const saver = (async () => {
      for (let i = 1; i <= SAVES; i++) await save(i);
      saving = false;
    })();
    const seen = new Set<string>();
    let plainFailures = 0;
    let reads = 0;
    while (saving) {
      const bundle = await readDuringSwap(dir, loadBundle);
      expect((await bundle.readVerified('w.bin')).toString()).toBe(`weights ${bundle.manifest.createdAt.slice(1)}`);
      seen.add(bundle.manifest.createdAt);
      await loadBundle(dir).catch(() => plainFailures++);
      reads++;
    }
    await saver;
    expect(reads).toBeGreaterThan(0);
    expect(seen.size).toBeGreaterThan(1);
    expect(existsSync(`${dir}.previous`)).toBe(false);
    // Reported for the loader's owner: how often a plain load met the swap.
    console.info(`plain loads that met a swap: ${plainFailures} of ${reads}`);
  });

  it("gives a bundle's own error at once, without waiting on swaps that are not happening", async () => {
    const err = await readDuringSwap(join(root, 'none'), loadBundle).catch((e: unknown) => e);
    expect(isRebuyError(err) && err.code).toBe('BUNDLE_INVALID');
  });
});
