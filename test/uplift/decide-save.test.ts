/**
 * `rebuy decide --objective incremental-profit` saves its decision into the uplift bundle (Hillstrom,
 * two e-mails against none), as `decide` saves a response model's: the bundle stays verified, its
 * report shows whom to contact per treatment, the put-off apart, the incremental profit with its
 * bootstrap interval and the profit curve through exactly that list, and GET /v1/model gives the
 * decision and its money. Missing or bad money settings are refused naming the flag, exit 2, and
 * leave the bundle as it was.
 */
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/bundle/load.js';
import { parseManifest } from '../../src/bundle/manifest.js';
import { loadPredictor } from '../../src/predict/predictor.js';
import { count, money } from '../../src/core/format.js';
import { rebuy } from '../helpers/cli.js';
import { makeApp } from '../server/helpers.js';
import { upliftDeps } from '../server/real.js';

const pending = upliftDeps();

interface Decision {
  contacted: number;
  customers: number;
  byTreatment: number[];
  putOff: number;
  expectedProfit: number;
  realized: { value: number; interval: [number, number] };
  curve: { contacted: number; profit: { value: number; interval: [number, number] } }[];
  saved: boolean;
}

describe.skipIf(pending === null)('rebuy decide --objective incremental-profit saves the decision', () => {
  let dir: string;
  let bundle: string;

  beforeAll(async () => {
    const deps = await pending!;
    dir = await mkdtemp(join(tmpdir(), 'rebuy-uplift-decide-'));
    // A copy: the shared bundle other tests serve must keep its hash.
    bundle = join(dir, 'bundle');
    await cp(deps.bundle, bundle, { recursive: true });
  }, 600_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const decide = (...extra: string[]) => rebuy(['decide', '--model', bundle, '--objective', 'incremental-profit', ...extra]);

  it.each([
    [['--value-per-return', '1'], /--contact-cost/],
    [['--contact-cost', '0.05'], /--value-per-return/],
    [['--contact-cost', '-1', '--value-per-return', '1'], /--contact-cost must be a number >= 0; got -1/],
    [['--contact-cost', '0.05', '--value-per-return', '0'], /--value-per-return must be a number > 0; got 0/],
    [['--contact-cost', 'abc', '--value-per-return', '1'], /--contact-cost.*abc/],
  ])('refuses %j with exit 2 naming the flag, the bundle unchanged', async (flags, message) => {
    const before = await readFile(join(bundle, 'manifest.json'));
    const r = decide(...flags);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(Buffer.compare(await readFile(join(bundle, 'manifest.json')), before)).toBe(0);
  });

  it('--no-save shows the decision and leaves the bundle as it was', async () => {
    const before = await readFile(join(bundle, 'manifest.json'));
    const r = decide('--contact-cost', '0.05', '--value-per-return', '1', '--no-save');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('not saved (--no-save)');
    expect(Buffer.compare(await readFile(join(bundle, 'manifest.json')), before)).toBe(0);
  });

  it('the report and GET /v1/model show the saved decision, for exactly the list chosen', async () => {
    const r = decide('--contact-cost', '0.05', '--value-per-return', '1', '--json');
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as Decision;
    expect(d.saved).toBe(true);
    expect(d.contacted).toBeGreaterThan(0);
    expect(d.byTreatment.reduce((a, b) => a + b, 0)).toBe(d.contacted);
    // The curve passes through the list itself, with the list's own realized profit and interval.
    const point = d.curve.find((pt) => pt.contacted === d.contacted);
    expect(point?.profit).toEqual(d.realized);
    expect(d.curve.map((pt) => pt.contacted)).toEqual([...d.curve.map((pt) => pt.contacted)].sort((a, b) => a - b));

    // Rewritten whole: every file still matches its hash, and the manifest keeps the decision.
    const loaded = await loadBundle(bundle);
    const saved = loaded.manifest.uplift!.decision!;
    expect(saved.money).toEqual({ contactCost: 0.05, valuePerReturn: 1 });
    // As JSON has it: a depth with no estimate is NaN in the bundle and null in --json.
    expect(JSON.parse(JSON.stringify(saved))).toMatchObject({ contacted: d.contacted, byTreatment: d.byTreatment, putOff: d.putOff, expectedProfit: d.expectedProfit, realized: d.realized, curve: d.curve, heldOut: true });
    expect(saved.source).toMatch(/^hillstrom-train\.csv \(the \d+ customers held out at training\)$/);

    // The field is checked when a bundle is read: bad money settings in it are named.
    const tampered = JSON.parse(await readFile(join(bundle, 'manifest.json'), 'utf8'));
    tampered.uplift.decision.money.valuePerReturn = -3;
    expect(() => parseManifest(JSON.stringify(tampered), bundle)).toThrow(/uplift\.decision\.money\.valuePerReturn.*-3/);

    const report = (await loadBundle(bundle).then((b) => b.readVerified('report.html'))).toString('utf8');
    expect(report).toContain('Whom to contact');
    expect(report).toContain(`contact with Mens E-Mail</td><td class="num">${count(d.byTreatment[0]!)}`);
    expect(report).toContain(`contact with Womens E-Mail</td><td class="num">${count(d.byTreatment[1]!)}`);
    expect(report).toContain(`of them put off by every treatment</td><td class="num">${count(d.putOff)}`);
    expect(report).toContain(`<td class="num">${money(d.realized.value)}</td><td class="num">${money(d.realized.interval[0])} to ${money(d.realized.interval[1])}</td>`);
    expect(report).toContain('Incremental profit over the number contacted');
    expect(report).toContain(`the list (${count(d.contacted)})`);

    const { app } = await makeApp({ load: () => loadPredictor(bundle, { threads: 1 }) });
    try {
      const info = (await app.inject('/v1/model')).json();
      expect(info.money).toEqual({ contactCost: 0.05, valuePerReturn: 1 });
      expect(info.uplift.decision.contacted).toBe(d.contacted);
      expect(info.uplift.decision.realized).toEqual(d.realized);
      expect(info.uplift.decision.source).not.toContain('/');
    } finally {
      await app.close();
    }
  });
});
