/** Loading a crafted bundle: only regular files inside it, bounded sizes, no hang, no disclosure. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/bundle/hash.js';
import { MAX_MANIFEST_BYTES } from '../../src/bundle/layout.js';
import { loadBundle } from '../../src/bundle/load.js';
import { saveBundle } from '../../src/bundle/save.js';
import { RebuyError } from '../../src/errors.js';
import { draftManifest } from './fixtures.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rebuy-load-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function saved(files: [string, string][] = [['w.bin', 'weights']]): Promise<string> {
  const dir = join(root, 'model');
  await saveBundle(dir, draftManifest('a'), new Map(files));
  return dir;
}

/** Rewrites manifest.json and a correct hash line, as an attacker who can write the bundle would. */
async function rewriteManifest(dir: string, edit: (manifest: { files: Record<string, string> }) => void): Promise<void> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { files: Record<string, string> };
  edit(manifest);
  const text = JSON.stringify(manifest, null, 2);
  await writeFile(join(dir, 'manifest.json'), text);
  await writeFile(join(dir, 'manifest.sha256'), `${sha256(text)}  manifest.json\n`);
}

async function refusal(dir: string): Promise<RebuyError> {
  const err = await loadBundle(dir).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(RebuyError);
  expect((err as RebuyError).code).toBe('BUNDLE_INVALID');
  return err as RebuyError;
}

describe('loading a crafted bundle', () => {
  it('refuses a manifest that is a symbolic link (to /dev/zero) without reading it', async () => {
    const dir = await saved();
    await unlink(join(dir, 'manifest.json'));
    await symlink('/dev/zero', join(dir, 'manifest.json'));
    expect((await refusal(dir)).message).toMatch(/manifest\.json is not a regular file/);
  });

  it('refuses a listed file that is a symbolic link out of the bundle, even with the right hash', async () => {
    const dir = await saved();
    const outside = join(root, 'outside.bin');
    await writeFile(outside, 'secret');
    await unlink(join(dir, 'w.bin'));
    await symlink(outside, join(dir, 'w.bin'));
    await rewriteManifest(dir, (m) => (m.files['w.bin'] = sha256('secret')));
    expect((await refusal(dir)).message).toMatch(/w\.bin is not a regular file/);
  });

  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    const dir = await saved();
    await unlink(join(dir, 'manifest.sha256'));
    execFileSync('mkfifo', [join(dir, 'manifest.sha256')]);
    expect((await refusal(dir)).message).toMatch(/manifest\.sha256 is not a regular file/);
    await unlink(join(dir, 'manifest.sha256'));
    await unlink(join(dir, 'w.bin'));
    execFileSync('mkfifo', [join(dir, 'w.bin')]);
    await rewriteManifest(dir, () => undefined);
    expect((await refusal(dir)).message).toMatch(/w\.bin is not a regular file/);
  });

  it('refuses names outside the bundle and does not disclose the hash of what they name', async () => {
    const dir = await saved();
    const outside = join(root, 'hostname');
    await writeFile(outside, 'victim-host\n');
    for (const name of ['../hostname', '../../etc/hostname', '/etc/hostname', '.hidden', 'a/b', 'manifest.json']) {
      await rewriteManifest(dir, (m) => (m.files = { [name]: '0'.repeat(64) }));
      const err = await refusal(dir);
      expect(err.message).toMatch(/is not a plain file name inside the bundle/);
      expect(err.message).not.toContain(sha256('victim-host\n'));
    }
  });

  it('says a file was altered without printing the hash it read', async () => {
    const dir = await saved();
    await writeFile(join(dir, 'w.bin'), 'other');
    const err = await refusal(dir);
    expect(err.message).toMatch(/w\.bin was altered/);
    expect(err.message).not.toContain(sha256('other'));
  });

  it('refuses a manifest beyond the size limit before reading it', async () => {
    const dir = await saved();
    const handle = await open(join(dir, 'manifest.json'), 'r+');
    // A sparse file: the size is there, the bytes are not written.
    await handle.truncate(MAX_MANIFEST_BYTES + 1);
    await handle.close();
    expect((await refusal(dir)).message).toMatch(/manifest\.json is larger than the limit of 16 MB/);
  });

  it('requires manifest.sha256 to be exactly its one line: every byte counts', async () => {
    const dir = await saved();
    const line = await readFile(join(dir, 'manifest.sha256'), 'utf8');
    const variants = [
      line.replace('manifest.json', 'manifest.jsoX'),
      line.replace('  ', ' '),
      line.trimEnd(),
      `${line}extra\n`,
      line.replace('\n', ' \n'),
      line.toUpperCase(),
    ];
    for (const variant of variants) {
      await writeFile(join(dir, 'manifest.sha256'), variant);
      expect((await refusal(dir)).message).toMatch(/manifest\.json was altered/);
    }
    await writeFile(join(dir, 'manifest.sha256'), line);
    await expect(loadBundle(dir)).resolves.toMatchObject({ manifest: { createdAt: 'a' } });
  });
});
