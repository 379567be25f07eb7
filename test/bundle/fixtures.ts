import type { ManifestDraft } from '../../src/bundle/manifest.js';

/** A small valid manifest draft; `note` goes into createdAt to tell saves apart. */
export function draftManifest(note: string): ManifestDraft {
  return {
    format: 'rebuy-bundle',
    formatVersion: 2,
    createdAt: note,
    packages: {},
    schema: { name: 'custom', id: null, target: 't', features: [{ name: 'x', kind: 'numeric' }] },
    features: { numeric: [{ name: 'x', mean: 0, std: 1, fill: 0, flagMissing: false }], categorical: [] },
    featureNames: ['x'],
    data: {
      fingerprint: 'f',
      files: [],
      synthetic: true,
      rows: 1,
      positives: 0,
      balance: 'random',
      split: [0.8, 0.1, 0.1],
      seed: 0,
      trainRows: 1,
      validRows: 0,
      testRows: 0,
      naturalTestRows: 0,
    },
    model: {
      name: 'logistic',
      kind: 'logistic',
      derived: false,
      preset: null,
      config: { hidden: [], activation: 'relu', output: 'softmax', learningRate: 0.001, batchSize: 100, maxEpochs: 1, patience: 2, seed: 0 },
      history: [],
      bestEpoch: 0,
      trainSeconds: 0,
      metrics: { balancedTest: null, naturalTest: null },
    },
    baseline: null,
    threshold: 0.5,
    thresholdObjective: { kind: 'f1' },
    calibration: { method: 'none', slope: 1, intercept: 0 },
  };
}
