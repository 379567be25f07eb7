/** The seed notebooks' networks, and every training default in one place. */

import { usageError } from '../errors.js';
import type { NetworkConfig } from './network.js';

/** Keras' Adam default. */
export const DEFAULT_LEARNING_RATE = 0.001;
export const DEFAULT_SEED = 0;
/**
 * The L2 penalties of the logistic baseline (on standardized inputs; the intercept is not penalized) that cross-validation
 * chooses among: down to practically none, as scikit-learn's default grid reaches (C up to 1e4, l2 = 1/(C·rows)) on large tables.
 */
export const LOGISTIC_L2_GRID = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100] as const;
/** Folds of the training rows that choose the logistic baseline's L2 penalty. */
export const LOGISTIC_CV_FOLDS = 5;

const COMMON = {
  activation: 'relu',
  output: 'softmax',
  learningRate: DEFAULT_LEARNING_RATE,
  patience: 2,
  seed: DEFAULT_SEED,
} as const satisfies Partial<NetworkConfig>;

export const PRESETS = {
  '2x10': { ...COMMON, hidden: [10, 10], batchSize: 100, maxEpochs: 100 },
  '2x50': { ...COMMON, hidden: [50, 50], batchSize: 100, maxEpochs: 100 },
  '3x50': { ...COMMON, hidden: [50, 50, 50], batchSize: 200, maxEpochs: 200 },
} as const satisfies Record<string, NetworkConfig>;

export type PresetName = keyof typeof PRESETS;

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export const DEFAULT_PRESET: PresetName = '2x50';

export function isPresetName(name: string): name is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, name);
}

/** A preset (default 2x50) with overrides applied; a fresh object the caller may change. */
export function resolveNetworkConfig(preset: string = DEFAULT_PRESET, overrides: Partial<NetworkConfig> = {}): NetworkConfig {
  if (!isPresetName(preset)) {
    throw usageError(`unknown network preset ${JSON.stringify(preset)}; valid presets: ${PRESET_NAMES.join(', ')}`);
  }
  const base = PRESETS[preset];
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<NetworkConfig>;
  const config: NetworkConfig = { ...base, hidden: [...base.hidden], ...defined };
  config.hidden = [...config.hidden];
  if (config.classWeights) config.classWeights = [...config.classWeights];
  return config;
}
