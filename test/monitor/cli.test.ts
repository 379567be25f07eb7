/** `rebuy monitor` as a user runs it: words first, --json, exit codes 0 / 3 / 2, the recorded trend. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainBundle } from '../../src/app/train.js';
import { loadBundle } from '../../src/bundle/load.js';
import { saveBundle } from '../../src/bundle/save.js';
import { PROFILE_FILE } from '../../src/bundle/layout.js';
import { rebuy } from '../helpers/cli.js';
import { REAL_CSV, realDataPresent } from '../helpers/paths.js';

const present = realDataPresent('rebuy monitor');
let dir: string;
let model: string;
let buyersList: string;

beforeAll(async () => {
  if (!present) return;
  dir = mkdtempSync(join(tmpdir(), 'rebuy-monitor-cli-'));
  model = join(dir, 'model');
  await trainBundle({ data: REAL_CSV, out: model, preset: '2x10', balance: 'random', split: [0.8, 0.1, 0.1], seed: 2, report: false });
  // Only the customers who bought again: a list unlike any the model learned from.
  const lines = readFileSync(REAL_CSV, 'utf8').trimEnd().split('\n');
  buyersList = join(dir, 'buyers.csv');
  writeFileSync(buyersList, [lines[0], ...lines.slice(1).filter((l) => l.trimEnd().endsWith(',1'))].join('\n') + '\n');
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!present)('rebuy monitor', () => {
  it('says in words first that a list like the training data did not drift, and exits 0', () => {
    const result = rebuy(['monitor', '--model', model, '--data', REAL_CSV]);
    expect(result.stderr).toMatch(/read and scored 14,084 customers/);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('This list of 14,084 customers looks like the training data: no feature drifted.');
    expect(result.stdout).toMatch(/Measured with this list's labels \(14,084 rows\)/);
    expect(result.stdout).toMatch(/No alert\./);
    expect(result.stdout).toMatch(/minutes_listened +Wasserstein distance/);
  });

  it('exits 3 on an alert, and --json gives the run to programs', () => {
    const result = rebuy(['monitor', '--model', model, '--data', buyersList, '--json']);
    expect(result.code).toBe(3);
    const run = JSON.parse(result.stdout) as { alert: { alert: boolean; scoresDrifted: boolean }; data: { rows: number }; estimate: { realized: { rows: number } } };
    expect(run.alert).toMatchObject({ alert: true, scoresDrifted: true });
    expect(run.data.rows).toBe(2237);
    expect(run.estimate.realized.rows).toBe(2237);
  });

  it('exits 2 on a bad value, naming the file, line, column and value', () => {
    const lines = readFileSync(REAL_CSV, 'utf8').split('\n');
    const cells = lines[5]!.split(',');
    cells[3] = 'cheap';
    lines[5] = cells.join(',');
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, lines.join('\n'));
    const result = rebuy(['monitor', '--model', model, '--data', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${bad}:6, column "Price_overall": not a number (value "cheap")`);
  });

  it('exits 2 on a bundle saved without a training profile, saying so', async () => {
    const bundle = await loadBundle(model);
    const files = new Map<string, Uint8Array>();
    for (const name of Object.keys(bundle.manifest.files)) if (name !== PROFILE_FILE) files.set(name, await bundle.readVerified(name));
    const { files: _hashes, ...draft } = bundle.manifest;
    const old = join(dir, 'old-model');
    await saveBundle(old, draft, files);
    const result = rebuy(['monitor', '--model', old, '--data', REAL_CSV]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/has no profile\.json: it was saved before rebuy kept training profiles; train it again to monitor it/);
  });

  it('records each run in --history and prints their trend', () => {
    const history = join(dir, 'history');
    expect(rebuy(['monitor', '--model', model, '--data', REAL_CSV, '--history', history]).code).toBe(0);
    expect(rebuy(['monitor', '--model', model, '--data', buyersList, '--history', history]).code).toBe(3);
    const trend = rebuy(['monitor', '--history', history]);
    expect(trend.code).toBe(0);
    const rows = trend.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toContain(REAL_CSV);
    expect(rows[1]).not.toContain('ALERT');
    expect(rows[2]).toContain(buyersList);
    expect(rows[2]).toContain('ALERT');
    const json = JSON.parse(rebuy(['monitor', '--history', history, '--json']).stdout) as { data: { rows: number } }[];
    expect(json.map((r) => r.data.rows)).toEqual([14084, 2237]);

    const page = join(dir, 'report.html');
    expect(rebuy(['report', '--model', model, '--history', history, '--out', page]).code).toBe(0);
    const html = readFileSync(page, 'utf8');
    const monitoring = html.slice(html.indexOf('<section id="monitor"'), html.indexOf('</section>', html.indexOf('<section id="monitor"')));
    expect(monitoring).toContain('1 of 2 monitored lists alerted');
    expect(monitoring).toContain('Expected performance of each monitored list');
    expect(monitoring.match(/<tr>/g)).toHaveLength(3);
    // The bundle keeps the report it was trained with.
    expect(rebuy(['report', '--model', model, '--history', history]).stderr).toMatch(/give --out FILE/);
  });

  it('keeps the runs of a version from the store beside it, and --history NAME prints their trend', () => {
    const store = join(dir, 'store');
    expect(rebuy(['models', 'promote', 'churn/v1', '--to', 'champion', '--store', store]).code).toBe(2);
    const registered = rebuy(['train', '--data', REAL_CSV, '--out', join(dir, 'stored-model'), '--preset', '2x10', '--seed', '2', '--register', 'churn', '--alias', 'champion', '--store', store]);
    expect(registered.code, registered.stderr).toBe(0);
    expect(rebuy(['monitor', '--model', 'churn@champion', '--store', store, '--data', buyersList]).code).toBe(3);
    const trend = rebuy(['monitor', '--history', 'churn', '--store', store, '--json']);
    expect(trend.code, trend.stderr).toBe(0);
    const runs = JSON.parse(trend.stdout) as { data: { rows: number }; version: number; alert: { alert: boolean } }[];
    expect(runs.map((r) => [r.data.rows, r.version, r.alert.alert])).toEqual([[2237, 1, true]]);
    expect(rebuy(['monitor', '--history', 'no-such-model', '--store', store]).stdout).toMatch(/no runs recorded/);
  });

  it('refuses a --threshold that is not a share', () => {
    const result = rebuy(['monitor', '--model', model, '--data', REAL_CSV, '--threshold', '2']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--threshold is a share of the features, from 0 to 1; got 2/);
  });
});
