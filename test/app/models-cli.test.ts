/** `rebuy models …` and `--model NAME@ALIAS` as a user runs them: the built CLI in a fresh process. */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveBundle } from '../../src/bundle/save.js';
import { fileStore } from '../../src/bundle/store.js';
import { draftManifest } from '../bundle/fixtures.js';
import { CLI } from '../helpers/paths.js';
import { realDeps } from '../server/real.js';

let work: string;
let root: string;

function rebuy(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', REBUY_STORE: '', ...env }, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rebuy-models-cli-'));
  root = join(work, 'store');
  const store = fileStore(root);
  for (const note of ['one', 'two']) {
    const dir = join(work, note);
    await saveBundle(dir, draftManifest(note), new Map<string, Uint8Array | string>([['weights.bin', new Uint8Array(8).fill(note.length)]]));
    await store.register('churn', dir);
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('rebuy models', () => {
  it('promotes, rolls back and records why; list --json shows the aliases; the store comes from --store or REBUY_STORE', () => {
    expect(rebuy(['models', 'promote', 'churn/v1', '--to', 'champion', '--store', root])).toMatchObject({ code: 0, stdout: 'churn@champion → v1\n' });
    expect(rebuy(['models', 'promote', 'churn/v2', '--to', 'champion', '--reason', 'better'], { REBUY_STORE: root })).toMatchObject({ code: 0, stdout: 'churn@champion → v2 (was v1)\n' });
    const listed = rebuy(['models', 'list', '--json', '--store', root]);
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { ref: string; aliases: string[] }[]).map((v) => [v.ref, v.aliases])).toEqual([
      ['churn/v1', []],
      ['churn/v2', ['champion']],
    ]);
    expect(rebuy(['models', 'rollback', 'churn@champion', '--reason', 'complaints', '--store', root])).toMatchObject({ code: 0, stdout: 'churn@champion rolled back → v1 (was v2)\n' });
    const history = JSON.parse(rebuy(['models', 'history', 'churn', '--json', '--store', root]).stdout) as { action: string; to: number; reason: string | null }[];
    expect(history.map((m) => [m.action, m.to, m.reason])).toEqual([
      ['promote', 1, null],
      ['promote', 2, 'better'],
      ['rollback', 1, 'complaints'],
    ]);
  });

  it.each([
    [['models', 'promote', '../../etc/v1', '--to', 'champion'], '"../../etc/v1"'],
    [['models', 'promote', 'churn/v1', '--to', '../x'], '"../x"'],
    [['models', 'show', '/abs@x'], '"/abs@x"'],
    [['models', 'delete', 'churn@champion'], '"churn@champion"'],
    [['models', 'list', 'Bad Name'], '"Bad Name"'],
  ])('refuses %j with exit 2 naming the value', (args, named) => {
    const r = rebuy([...args, '--store', root]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(named);
  });

  it('delete refuses the version an alias points to (exit 2) and deletes another', () => {
    const champion = rebuy(['models', 'show', 'churn@champion', '--json', '--store', root]);
    const version = (JSON.parse(champion.stdout) as { version: number }).version;
    const refused = rebuy(['models', 'delete', `churn/v${version}`, '--store', root]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('churn@champion points to it');
    expect(rebuy(['models', 'delete', `churn/v${3 - version}`, '--store', root])).toMatchObject({ code: 0 });
    expect(rebuy(['models', 'show', `churn/v${3 - version}`, '--store', root])).toMatchObject({ code: 2, stderr: expect.stringContaining('was deleted') });
  });

  it('train --alias without --register is refused before any training', () => {
    const r = rebuy(['train', '--data', 'nothing.csv', '--out', join(work, 'never'), '--alias', 'challenger']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--register');
  });
});

describe.skipIf(!(await realDeps.available()))('--model takes a store reference', () => {
  it('score --model NAME@ALIAS writes the same scores as the bundle directory it points to', async () => {
    const real = await realDeps.get();
    const storeRoot = join(work, 'real-store');
    await fileStore(storeRoot).register('buyers', real.bundles[1], { alias: 'champion' });
    const byRef = rebuy(['score', '--model', 'buyers@champion', '--in', real.sampleCsv, '--out', '-'], { REBUY_STORE: storeRoot });
    const byDir = rebuy(['score', '--model', real.bundles[1], '--in', real.sampleCsv, '--out', '-']);
    expect(byRef.code).toBe(0);
    expect(byRef.stdout).toBe(byDir.stdout);
    expect(byRef.stdout.split('\n').length).toBeGreaterThan(100);
    const missing = rebuy(['score', '--model', 'buyers/v9', '--in', real.sampleCsv, '--out', '-'], { REBUY_STORE: storeRoot });
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('versions of buyers: v1') });
  }, 300_000);
});
