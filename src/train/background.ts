/** The training rows saved as the background sample: the reference every explanation is measured from. */
import { BACKGROUND_ROWS } from '../bundle/background.js';
import { createRng } from '../core/random.js';
import { shuffle } from '../prep/split.js';
import type { Dataset } from './dataset.js';

export function backgroundRows(dataset: Dataset): Int32Array {
  const { seed } = dataset.options;
  return shuffle(dataset.train, createRng(seed ^ 0x5eed)).subarray(0, Math.min(BACKGROUND_ROWS, dataset.train.length));
}
