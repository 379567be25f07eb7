/**
 * An ensemble bundle, trained through the steps `rebuy train` takes: its manifest records the members,
 * `rebuy score` gives the mean of the members' calibrated probabilities (computed here without the
 * bundle, by a TF.js forward pass of each member's weights), and the compiled SQL run in DuckDB gives
 * onnxruntime's probability on every row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadBundle } from '../../src/bundle/load.js';
import { manifestJson, parseManifest } from '../../src/bundle/manifest.js';
import { applyCalibration } from '../../src/evaluate/calibration.js';
import { resolveNetworkConfig } from '../../src/model/presets.js';
import { applyFeatures } from '../../src/prep/features.js';
import type { CalibratedModels } from '../../src/train/calibrate.js';
import type { Dataset } from '../../src/train/dataset.js';
import type { SingleCandidate } from '../../src/train/fit.js';
import { syntheticCsv } from '../app/fixtures.js';
import { rebuy } from '../helpers/cli.js';
import { trainEnsembleBundle } from '../helpers/ensemble.js';
import { predictNetworkTf } from '../helpers/network.js';

let dir: string;
let csv: string;
let dataset: Dataset;
let calibrated: CalibratedModels;
const model = () => join(dir, 'model');

const MEMBERS: SingleCandidate[] = [
  // Two sigmoid outputs: calibration acts on the logit of their normalised ratio, not folded into a layer.
  { name: '2x10 sigmoid+derived', kind: 'network', preset: null, config: resolveNetworkConfig('2x10', { output: 'sigmoid', maxEpochs: 8 }), derived: true },
  { name: '2x10+derived', kind: 'network', preset: '2x10', config: resolveNetworkConfig('2x10', { maxEpochs: 8 }), derived: true },
  { name: 'logistic+derived', kind: 'logistic', derived: true },
];

function scoresById(text: string): Map<string, number> {
  return new Map([...rowsById(text)].map(([id, row]) => [id, row.probability]));
}

function rowsById(text: string): Map<string, { probability: number; label: string }> {
  const [header, ...lines] = text.trim().split('\n');
  const columns = header!.split(',');
  const at = (name: string) => columns.indexOf(name);
  return new Map(lines.map((line) => line.split(',')).map((cells) => [cells[at('id')]!, { probability: Number(cells[at('probability')]), label: cells[at('label')]! }]));
}

beforeAll(async () => {
  const data = await syntheticCsv(1500, 7);
  dir = data.dir;
  csv = data.csv;
  // Platt scaling gives each member its own slope and intercept.
  ({ dataset, calibrated } = await trainEnsembleBundle({ data: csv, out: model(), members: MEMBERS, calibration: 'platt', seed: 3 }));
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('an ensemble bundle', () => {
  it('records the ensemble and its members, each with its own calibration and hashed weight files', async () => {
    const { manifest } = await loadBundle(model());
    expect(manifest.model.kind).toBe('ensemble');
    expect(manifest.model.name).toBe('mean(2x10 sigmoid+derived, 2x10+derived, logistic+derived)');
    const members = manifest.model.members!;
    expect(members.map((m) => [m.name, m.kind])).toEqual([
      ['2x10 sigmoid+derived', 'network'],
      ['2x10+derived', 'network'],
      ['logistic+derived', 'logistic'],
    ]);
    expect(new Set(members.map((m) => m.calibration.slope)).size).toBe(3);
    for (const m of members) {
      expect(m.calibration.method).toBe('platt');
      expect(manifest.files[m.files.topology]).toMatch(/^[0-9a-f]{64}$/);
      expect(manifest.files[m.files.weights]).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it("the bundle's report shows each member's training under its name", async () => {
    const page = rebuy(['report', '--model', model(), '--out', '-']);
    expect(page.code, page.stderr).toBe(0);
    const training = page.stdout.split('<section id="training"')[1]!.split('</section>')[0]!;
    MEMBERS.forEach((m, k) => expect(training).toContain(`Member ${k + 1}: ${m.name}`));
    expect(training).toContain('the mean of the calibrated probabilities of 3 models');
  });

  it('is refused with fewer than two members; a manifest without members reads as before', async () => {
    const { manifest } = await loadBundle(model());
    const one = { ...manifest, model: { ...manifest.model, members: manifest.model.members!.slice(0, 1) } };
    expect(() => parseManifest(JSON.stringify(one), model())).toThrow(/members/);
    const { members: _members, ...single } = manifest.model;
    const old = { ...manifest, model: { ...single, kind: 'network' as const } };
    expect(parseManifest(manifestJson(old), model()).model.members).toBeUndefined();
  });

  it("`rebuy score` gives the mean of the members' calibrated probabilities, computed without the bundle", async () => {
    const out = join(dir, 'scores.csv');
    const run = rebuy(['score', '--model', model(), '--in', csv, '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const scored = scoresById(await readFile(out, 'utf8'));
    const { table } = dataset;
    const x = applyFeatures(calibrated.features, table);
    const mean = new Float64Array(table.nRows);
    for (const member of calibrated.network.members!) {
      const p = applyCalibration(await predictNetworkTf(member.fitted.trained.weights, x), member.calibration);
      p.forEach((v, i) => (mean[i] = mean[i]! + v / 3));
    }
    expect(scored.size).toBe(table.nRows);
    let worst = 0;
    table.ids.forEach((id, i) => (worst = Math.max(worst, Math.abs(scored.get(id)! - mean[i]!))));
    expect(worst).toBeLessThan(1e-5);
    // Not a constant model, and not one member alone: the comparison means something.
    expect(Math.max(...mean) - Math.min(...mean)).toBeGreaterThan(0.5);
    const first = applyCalibration(await predictNetworkTf(calibrated.network.members![0]!.fitted.trained.weights, x), calibrated.network.members![0]!.calibration);
    expect(Math.max(...table.ids.map((id, i) => Math.abs(scored.get(id)! - first[i]!)))).toBeGreaterThan(1e-3);
  });

  it('compiled to SQL and run in DuckDB, gives onnxruntime\'s probability on every row to 1e-5 and its label', async () => {
    const onnx = join(dir, 'onnx.csv');
    const duckdb = join(dir, 'duckdb.csv');
    expect(rebuy(['score', '--model', model(), '--in', csv, '--out', onnx]).code).toBe(0);
    const run = rebuy(['score', '--model', model(), '--in', csv, '--out', duckdb, '--engine', 'duckdb']);
    expect(run.code, run.stderr).toBe(0);
    const expected = rowsById(await readFile(onnx, 'utf8'));
    const got = rowsById(await readFile(duckdb, 'utf8'));
    expect(got.size).toBe(expected.size);
    let worst = 0;
    for (const [id, row] of expected) {
      worst = Math.max(worst, Math.abs(got.get(id)!.probability - row.probability));
      expect(got.get(id)!.label, id).toBe(row.label);
    }
    expect(worst).toBeLessThan(1e-5);
    const sql = rebuy(['sql', '--model', model(), '--dialect', 'duckdb']);
    expect(sql.code, sql.stderr).toBe(0);
    for (const cte of ['m1_calibrated', 'm2_calibrated', 'm3_calibrated', 'ensemble']) expect(sql.stdout).toContain(`${cte} AS`);
  });
});
