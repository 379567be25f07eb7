import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveBundle } from '../../src/bundle/save.js';
import { loadBundle } from '../../src/bundle/load.js';
import { draftManifest } from './fixtures.js';
import { RebuyError } from '../../src/errors.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rebuy-bundle-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function expectRefused(dir: string, pattern: RegExp): Promise<void> {
  const err = await loadBundle(dir).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RebuyError);
  expect((err as RebuyError).code).toBe('BUNDLE_INVALID');
  expect((err as RebuyError).exitCode).toBe(2);
  expect((err as RebuyError).message).toMatch(pattern);
}

describe('model bundle', () => {
  it('saves files with their SHA-256 in the manifest and loads them back verified', async () => {
    const dir = join(root, 'model');
    const saved = await saveBundle(dir, draftManifest('a'), new Map<string, Uint8Array | string>([['w.bin', new Uint8Array([1, 2, 3])], ['t.json', '{"a":1}']]));
    expect(Object.keys(saved.files).sort()).toEqual(['t.json', 'w.bin']);
    expect(saved.files['w.bin']).toBe('039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81');
    const loaded = await loadBundle(dir);
    expect(loaded.manifest.createdAt).toBe('a');
    expect([...(await loaded.readVerified('w.bin'))]).toEqual([1, 2, 3]);
    expect((await readdir(root)).sort()).toEqual(['model']);
  });

  it('refuses a bundle with one byte of a weights file altered, naming the file', async () => {
    const dir = join(root, 'model');
    await saveBundle(dir, draftManifest('a'), new Map([['w.bin', new Uint8Array(64).fill(7)]]));
    const bytes = await readFile(join(dir, 'w.bin'));
    bytes[10] = 8;
    await writeFile(join(dir, 'w.bin'), bytes);
    await expectRefused(dir, /w\.bin was altered/);
  });

  it('refuses a bundle whose manifest was edited by a single byte', async () => {
    const dir = join(root, 'model');
    await saveBundle(dir, draftManifest('a'), new Map([['w.bin', 'x']]));
    const text = await readFile(join(dir, 'manifest.json'), 'utf8');
    await writeFile(join(dir, 'manifest.json'), text.replace('"threshold": 0.5', '"threshold": 0.4'));
    await expectRefused(dir, /manifest\.json was altered/);
  });

  it('refuses a missing file and a missing directory', async () => {
    const dir = join(root, 'model');
    await saveBundle(dir, draftManifest('a'), new Map([['w.bin', 'x']]));
    await rm(join(dir, 'w.bin'));
    await expectRefused(dir, /w\.bin is missing/);
    await expectRefused(join(root, 'nope'), /no such directory/);
  });

  it('replaces a previous bundle whole, and a failed save leaves the previous one intact', async () => {
    const dir = join(root, 'model');
    await saveBundle(dir, draftManifest('first'), new Map([['w.bin', 'one']]));
    await saveBundle(dir, draftManifest('second'), new Map([['w.bin', 'two']]));
    expect((await loadBundle(dir)).manifest.createdAt).toBe('second');

    // The third save fails part-way (its second file cannot be written): nothing changes.
    const failing = new Map<string, Uint8Array | string>([['a.bin', 'written first'], ['../escape.bin', 'refused']]);
    await expect(saveBundle(dir, draftManifest('third'), failing)).rejects.toThrow(/invalid bundle file name/);
    const loaded = await loadBundle(dir);
    expect(loaded.manifest.createdAt).toBe('second');
    expect((await loaded.readVerified('w.bin')).toString()).toBe('two');
    expect((await readdir(root)).sort()).toEqual(['model']);
  });
});
