import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { manifestJson } from '../../src/bundle/manifest.js';
import { parseEvaluation } from '../../src/bundle/evaluation.js';
import { BACKGROUND_FILE, BASELINE_ONNX_FILE, EVALUATION_FILE, ONNX_FILE, PROFILE_FILE, TFJS_TOPOLOGY_FILE, TFJS_WEIGHTS_FILE } from '../../src/bundle/layout.js';
import { initTraining } from '../../src/model/tf.js';
import { assessModels } from '../../src/train/assess.js';
import { argmaxThreshold, calibrateModels } from '../../src/train/calibrate.js';
import { chooseCandidate } from '../../src/train/candidates.js';
import { bundleContents } from '../../src/train/contents.js';
import { loadDataset, type Dataset } from '../../src/train/dataset.js';
import { fitModels } from '../../src/train/models.js';
import type { TrainProgress } from '../../src/train/progress.js';
import { syntheticCsv } from '../app/fixtures.js';

let dir: string;
let dataset: Dataset;
beforeAll(async () => {
  const data = await syntheticCsv(2000, 5);
  dir = data.dir;
  dataset = await loadDataset({ data: data.csv }, { balance: 'random', split: [0.8, 0.1, 0.1], seed: 2 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('training steps', () => {
  it('candidates → fit → calibrate → assess → contents, each output feeding the next', async () => {
    const events: TrainProgress['kind'][] = [];
    const progress = (e: TrainProgress): void => void events.push(e.kind);

    const { candidate, leaderboard } = await chooseCandidate(dataset, { preset: '2x10', derived: true }, progress);
    expect(candidate).toMatchObject({ name: '2x10+derived', kind: 'network', preset: '2x10', derived: true });
    expect(leaderboard).toBeNull();

    const fitted = await fitModels(dataset, candidate, {}, progress);
    expect(fitted.baseline?.candidate).toEqual({ name: 'logistic+derived', kind: 'logistic', derived: true });
    expect(fitted.features.derived?.length).toBeGreaterThan(0);

    const calibrated = await calibrateModels(dataset, fitted, 'prior');
    expect(calibrated.network.calibration.method).toBe('prior');
    expect(calibrated.network.threshold).toBe(argmaxThreshold(calibrated.network.calibration));
    expect(calibrated.network.natural).toHaveLength(dataset.naturalTest.length);
    expect(calibrated.network.balancedRaw).toHaveLength(dataset.test.length);

    const assessment = await assessModels(dataset, calibrated, leaderboard, progress);
    const { evaluation } = assessment;
    expect(evaluation.naturalTest.label).toHaveLength(dataset.naturalTest.length);
    expect(evaluation.naturalTest.probability[0]).toBeCloseTo(calibrated.network.natural[0]!, 6);
    expect(evaluation.importance?.map((f) => f.feature).sort()).toEqual(dataset.table.schema.features.map((f) => f.name).sort());
    expect(assessment.model.metrics.naturalTest?.n).toBe(dataset.naturalTest.length);
    expect(assessment.baseline?.kind).toBe('logistic');
    expect(evaluation.audit?.nRows).toBe(dataset.table.nRows);

    const contents = await bundleContents(await initTraining(), dataset, calibrated, assessment, {});
    expect([...contents.files.keys()].sort()).toEqual(
      [ONNX_FILE, EVALUATION_FILE, BACKGROUND_FILE, PROFILE_FILE, TFJS_TOPOLOGY_FILE, TFJS_WEIGHTS_FILE, BASELINE_ONNX_FILE].sort(),
    );
    expect(contents.manifest.thresholdObjective).toEqual({ kind: 'balanced' });
    expect(contents.manifest.threshold).toBe(calibrated.network.threshold);
    expect(() => manifestJson({ ...contents.manifest, files: {} })).not.toThrow();
    expect(parseEvaluation(String(contents.files.get(EVALUATION_FILE)), 'm')).toEqual(evaluation);

    expect(events[0]).toBe('epoch');
    expect(events.slice(events.indexOf('baseline'))).toEqual(['baseline', 'explain']);
  });
});
