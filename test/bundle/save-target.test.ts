/** Where a bundle may be saved, and what a killed save leaves for the next one to mend. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/bundle/load.js';
import { checkBundleTarget, saveBundle } from '../../src/bundle/save.js';
import { isRebuyError, type RebuyError } from '../../src/errors.js';
import { LEGACY_TEMPORARY_MAX_AGE_MS } from '../../src/config.js';
import { draftManifest } from './fixtures.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rebuy-save-target-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<RebuyError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isRebuyError(err)) throw new Error(`expected a RebuyError, got ${String(err)}`);
  return err;
}

const save = (dir: string, note: string): Promise<unknown> => saveBundle(dir, draftManifest(note), new Map([['w.bin', note]]));

describe('what a bundle may replace', () => {
  it('refuses a directory that holds other files, and leaves every one of them', async () => {
    const home = join(root, 'documents');
    await mkdir(home);
    await writeFile(join(home, 'thesis.txt'), 'years of work');
    const err = await refusal(save(home, 'a'));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(new RegExp(`^cannot write ${home}: the directory holds files that are not a model bundle`));
    expect(await readFile(join(home, 'thesis.txt'), 'utf8')).toBe('years of work');
    expect((await readdir(root)).sort()).toEqual(['documents']);
  });

  it('refuses a regular file, a device and standard output', async () => {
    await writeFile(join(root, 'file'), 'f');
    expect((await refusal(save(join(root, 'file'), 'a'))).message).toMatch(/it is a regular file, not a model bundle directory/);
    expect((await refusal(save('/dev/null', 'a'))).message).toMatch(/it is a character device/);
    expect((await refusal(checkBundleTarget('-'))).exitCode).toBe(2);
    expect(await readFile(join(root, 'file'), 'utf8')).toBe('f');
  });

  it('replaces an empty directory and a bundle, and makes missing parents', async () => {
    await mkdir(join(root, 'empty'));
    await save(join(root, 'empty'), 'a');
    expect((await loadBundle(join(root, 'empty'))).manifest.createdAt).toBe('a');
    await save(join(root, 'runs', 'one', 'model'), 'b');
    expect((await loadBundle(join(root, 'runs', 'one', 'model'))).manifest.createdAt).toBe('b');
  });

  it('saves through a symlink to a bundle: the link stays and leads to the new bundle', async () => {
    await save(join(root, 'v1'), 'old');
    await symlink('v1', join(root, 'current'));
    await save(join(root, 'current'), 'new');
    expect(lstatSync(join(root, 'current')).isSymbolicLink()).toBe(true);
    expect(await readlink(join(root, 'current'))).toBe('v1');
    expect((await loadBundle(join(root, 'v1'))).manifest.createdAt).toBe('new');
    expect((await readdir(root)).sort()).toEqual(['current', 'v1']);
  });
});

describe('leftovers of killed saves', () => {
  const hostTag = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
  const deadPid = (): number => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

  it('a save killed between its renames left DIR.previous and no DIR: the next save puts it back first, and leaves only DIR', async () => {
    const dir = join(root, 'model');
    await save(dir, 'old');
    await rename(dir, `${dir}.previous`);
    await save(dir, 'new');
    expect((await loadBundle(dir)).manifest.createdAt).toBe('new');
    expect(await readdir(root)).toEqual(['model']);
  });

  it('the next save removes the partial directories of saves whose process is gone', async () => {
    const dir = join(root, 'model');
    await save(dir, 'old');
    const stale = join(root, `.model.partial-${hostTag}-${deadPid()}-0123456789ab`);
    await cp(dir, stale, { recursive: true });
    await save(dir, 'new');
    expect(existsSync(stale)).toBe(false);
    expect(await readdir(root)).toEqual(['model']);
  });

  it('the next save removes partial directories named the old way (no owner) once older than the configured age, and keeps a younger one', async () => {
    const dir = join(root, 'model');
    await save(dir, 'old');
    const old = join(root, '.model.partial-0123456789ab');
    const young = join(root, '.model.partial-ba9876543210');
    for (const partial of [old, young]) await cp(dir, partial, { recursive: true });
    const longAgo = new Date(Date.now() - LEGACY_TEMPORARY_MAX_AGE_MS - 60_000);
    await utimes(old, longAgo, longAgo);
    await save(dir, 'new');
    expect((await loadBundle(dir)).manifest.createdAt).toBe('new');
    expect((await readdir(root)).sort()).toEqual(['.model.partial-ba9876543210', 'model']);
  });
});
