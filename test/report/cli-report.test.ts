import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveBundle } from '../../src/bundle/save.js';
import { loadBundle } from '../../src/bundle/load.js';
import { buildReport } from '../../src/app/report.js';
import { runReport } from '../../src/cli/report.js';
import { RebuyError } from '../../src/errors.js';
import { EVALUATION_FILE } from '../../src/bundle/layout.js';
import { evaluationJson, parseEvaluation } from '../../src/bundle/evaluation.js';
import { makeFixture } from './fixtures.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rebuy-report-cli-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

async function writeBundle(name: string, files: Map<string, string>): Promise<string> {
  const { files: _hashes, ...draft } = makeFixture().manifest;
  const dir = join(root, name);
  await saveBundle(dir, draft, files);
  return dir;
}

async function expectBundleError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(RebuyError);
  expect((err as RebuyError).code).toBe('BUNDLE_INVALID');
  expect((err as RebuyError).message).toMatch(pattern);
}

describe('rebuy report', () => {
  it('adds report.html to a bundle trained without one, listed and hashed, leaving no temp file', async () => {
    const dir = await writeBundle('model', new Map([[EVALUATION_FILE, evaluationJson(makeFixture().evaluation)]]));
    const result = await buildReport({ model: dir });
    expect(result.path).toBe(join(dir, 'report.html'));
    const html = await readFile(result.path, 'utf8');
    expect(Buffer.byteLength(html)).toBe(result.bytes);
    expect(html).toContain('<section id="summary"');
    const bundle = await loadBundle(dir);
    expect((await bundle.readVerified('report.html')).toString('utf8')).toBe(html);
    expect((await readdir(root)).sort()).toEqual(['model']);
    expect((await readdir(dir)).sort()).toEqual([EVALUATION_FILE, 'manifest.json', 'manifest.sha256', 'report.html']);
    // A second run finds the report in the bundle and leaves the bundle as it is.
    expect(await buildReport({ model: dir })).toEqual(result);
    expect((await loadBundle(dir)).hash).toBe(bundle.hash);
  });

  it('writes to --out and prints the path, or JSON with --json', async () => {
    const dir = await writeBundle('model', new Map([[EVALUATION_FILE, evaluationJson(makeFixture().evaluation)]]));
    const out = join(root, 'reports', 'r.html');
    await mkdir(join(root, 'reports'));
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await runReport({ model: dir, out });
    await runReport({ model: dir, out, json: true });
    expect(stdout.mock.calls.map((c) => String(c[0]))).toEqual([
      `report written to ${out}\n`,
      `${JSON.stringify({ path: out, bytes: (await readFile(out)).length })}\n`,
    ]);
  });

  it('says so when --out points into a missing directory', async () => {
    const dir = await writeBundle('model', new Map([[EVALUATION_FILE, evaluationJson(makeFixture().evaluation)]]));
    const err = await buildReport({ model: dir, out: join(root, 'missing', 'r.html') }).then(() => null, (e: unknown) => e);
    expect((err as RebuyError).code).toBe('USAGE');
    expect((err as RebuyError).message).toMatch(/the directory .*missing does not exist/);
  });

  it('explains a bundle without evaluation.json', async () => {
    const dir = await writeBundle('old', new Map([['weights.bin', 'x']]));
    await expectBundleError(buildReport({ model: dir }), /has no evaluation\.json/);
  });

  it('refuses a missing bundle directory', async () => {
    await expectBundleError(buildReport({ model: join(root, 'nope') }), /no such directory/);
  });
});

describe('parseEvaluation', () => {
  const good = makeFixture().evaluation;

  it('reads back what evaluationJson wrote, NaN included', () => {
    const withNaN = { ...good, importance: [{ feature: 'x', meanDrop: Number.NaN, lower: Number.NaN, upper: 0.1 }] };
    const text = evaluationJson(withNaN);
    expect(text).toContain('"meanDrop":null');
    expect(parseEvaluation(text, 'm')).toEqual(withNaN);
  });

  it.each([
    ['not JSON', '{', /evaluation\.json is not valid JSON/],
    ['labels of another length', { ...good, naturalTest: { probability: [0.1, 0.2], label: [1] } }, /naturalTest has 2 probabilities but 1 labels/],
    ['NaN stored as null', { ...good, balancedTest: { probability: [null], label: [1] } }, /evaluation\.json: balancedTest\.probability\[0\] is null/],
    ['a label of 2', { ...good, naturalTestUncalibrated: { probability: [0.5], label: [2] } }, /naturalTestUncalibrated\.label\[0\] is 2/],
    ['importance without names', { ...good, importance: [{ meanDrop: 1, lower: 0, upper: 2 }] }, /importance\[0\]\.feature is missing/],
    ['a leaderboard row without metrics', { ...good, leaderboard: { ...good.leaderboard, rows: [{ candidate: 'x' }] } }, /leaderboard\.rows\[0\]\.metrics is missing/],
    ['a negative value per return', { ...good, money: { contactCost: 1, valuePerReturn: -3 } }, /money\.valuePerReturn is -3/],
    ['a missing part', { ...good, naturalTestUncalibrated: undefined }, /naturalTestUncalibrated is missing/],
  ])('refuses %s', (_, value, pattern) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const err = (() => {
      try {
        parseEvaluation(text, 'models/m');
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(RebuyError);
    expect((err as RebuyError).code).toBe('BUNDLE_INVALID');
    expect((err as RebuyError).message).toContain('models/m');
    expect((err as RebuyError).message).toMatch(pattern);
  });
});
