import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rebuy } from '../helpers/cli.js';
import { syntheticCsv, syntheticTest } from './synthetic.js';

let dir: string;
let csv: string;
let lines: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-uplift-'));
  csv = syntheticCsv(syntheticTest(3000, 11).table);
  lines = csv.trimEnd().split('\n');
  await writeFile(join(dir, 'test.csv'), csv);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function withFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('rebuy train --treatment: bad input is refused with exit 2, naming the column', () => {
  it('a treatment column with one group only', async () => {
    const file = await withFile('one-group.csv', `${lines.map((l, i) => (i === 0 ? l : l.replace(/,(mail|none),/, ',mail,'))).join('\n')}\n`);
    const r = rebuy(['train', '--data', file, '--target', 'bought', '--treatment', 'group', '--out', join(dir, 'm1')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/column "group".*one group only \("mail"\)/);
  });

  it('no control value found, or a control value that is not there', async () => {
    const file = await withFile('no-control.csv', `${lines.map((l) => l.replace(',none,', ',plain,')).join('\n')}\n`);
    const r = rebuy(['train', '--data', file, '--target', 'bought', '--treatment', 'group', '--out', join(dir, 'm2')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/column "group".*no control value found.*--control/);
    const given = rebuy(['train', '--data', join(dir, 'test.csv'), '--target', 'bought', '--treatment', 'group', '--control', 'nobody', '--out', join(dir, 'm2')]);
    expect(given.code).toBe(2);
    expect(given.stderr).toMatch(/column "group".*not in the treatment column.*"nobody"/);
  });

  it('a feature that repeats the treatment', async () => {
    const file = await withFile('copy.csv', `${lines.map((l, i) => (i === 0 ? `${l},mailed` : `${l},${l.includes(',mail,') ? 1 : 0}`)).join('\n')}\n`);
    const r = rebuy(['train', '--data', file, '--target', 'bought', '--treatment', 'group', '--out', join(dir, 'm3')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/column "mailed".*repeats the treatment column "group"/);
    const target = rebuy(['train', '--data', join(dir, 'test.csv'), '--target', 'bought', '--treatment', 'bought', '--out', join(dir, 'm3')]);
    expect(target.code).toBe(2);
    expect(target.stderr).toMatch(/"bought" is the target column/);
  });

  it('a missing treatment value, with its line', async () => {
    const file = await withFile('missing.csv', `${lines.map((l, i) => (i === 5 ? l.replace(/,(mail|none),/, ',,') : l)).join('\n')}\n`);
    const r = rebuy(['train', '--data', file, '--target', 'bought', '--treatment', 'group', '--out', join(dir, 'm4')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing\.csv:6, column "group": the treatment is missing/);
    expect(existsSync(join(dir, 'm4'))).toBe(false);
  });
});

describe('rebuy train --treatment on a test with a known effect', () => {
  it('chooses a learner by cross-validation, reports held-out Qini and uplift at k, and saves an uplift bundle', async () => {
    const out = join(dir, 'model');
    const r = rebuy(['train', '--data', join(dir, 'test.csv'), '--target', 'bought', '--treatment', 'group', '--learners', 'logistic', '--out', out, '--json']);
    expect(r.stderr).toMatch(/choosing the uplift learner/);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { uplift: { treatments: string[]; control: string; selection: unknown[]; evaluation: { qini: { model: { value: number; interval: number[] } } }[] } };
    expect(result.uplift.control).toBe('none');
    expect(result.uplift.treatments).toEqual(['mail']);
    expect(result.uplift.selection).toHaveLength(6);
    const q = result.uplift.evaluation[0]!.qini.model;
    expect(q.value).toBeGreaterThan(0.1);
    expect(q.interval[0]).toBeLessThan(q.value);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { schema: { features: { name: string }[] }; uplift: { outputs: string[] } };
    expect(manifest.uplift.outputs).toEqual(['p_control', 'p_treatment_1', 'uplift_1']);
    expect(manifest.schema.features.map((f) => f.name)).not.toContain('group');
    const report = await readFile(join(out, 'report.html'), 'utf8');
    expect(report).toContain('Qini curve: mail vs none');
    expect(report).toContain(`Chosen: ${escapeForHtml(JSON.parse(r.stdout).uplift.learner as string)}`);

    // The decision on the customers held out at training, judged from their arms.
    const d = rebuy(['decide', '--model', out, '--objective', 'incremental-profit', '--contact-cost', '1', '--value-per-return', '10', '--json']);
    expect(d.code).toBe(0);
    const decision = JSON.parse(d.stdout) as { heldOut: boolean; customers: number; contacted: number; putOff: number; putOffIds: string[]; realized: { value: number; interval: number[] }; curve: { contacted: number }[] };
    expect(decision.heldOut).toBe(true);
    expect(decision.customers).toBe(600);
    expect(decision.contacted).toBeGreaterThan(0);
    expect(decision.putOffIds).toHaveLength(decision.putOff);
    expect(decision.realized.interval[0]).toBeLessThanOrEqual(decision.realized.value);
    // Depths up to every customer, and the chosen list's own point.
    expect(decision.curve.map((pt) => pt.contacted)).toContain(decision.contacted);
    expect(decision.curve[decision.curve.length - 1]!.contacted).toBe(600);
    const text = rebuy(['decide', '--model', out, '--objective', 'incremental-profit', '--contact-cost', '1', '--value-per-return', '10']);
    expect(text.stdout).toMatch(/put off: \d+ customers/);
    const cents = rebuy(['decide', '--model', out, '--objective', 'incremental-profit', '--contact-cost', '0.5', '--value-per-return', '10']);
    expect(cents.stdout).toContain('money: $0.50 per contact, $10.00 per customer');

    // Scores through the bundle's graph: every output, the treatment to send, the incremental profit.
    const scores = join(dir, 'scores.csv');
    const s = rebuy(['score', '--model', out, '--in', join(dir, 'test.csv'), '--out', scores, '--contact-cost', '1', '--value-per-return', '10', '--json']);
    expect(s.code).toBe(0);
    const rows = (await readFile(scores, 'utf8')).trimEnd().split('\n');
    expect(rows[0]).toBe('id,p_no_contact,p_mail,uplift_mail,best_treatment,send,expected_incremental_profit,put_off');
    expect(rows).toHaveLength(3001);
    for (const row of rows.slice(1, 50)) {
      const [, p0, p1, uplift, , send, gain] = row.split(',');
      expect(Number(uplift)).toBeCloseTo(Number(p1) - Number(p0), 5);
      expect(send).toBe(Number(uplift) * 10 - 1 > 0 ? 'mail' : 'none');
      expect(Number(gain)).toBeCloseTo(send === 'mail' ? Number(uplift) * 10 - 1 : 0, 4);
    }
  });
});

function escapeForHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
