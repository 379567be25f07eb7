/** An ensemble bundle trained through the steps `rebuy train` takes, with the members given rather than chosen by `auto`. */
import { saveBundle } from '../../src/bundle/save.js';
import type { CalibrationMethod } from '../../src/evaluate/calibration.js';
import { initTraining } from '../../src/model/tf.js';
import { assessModels } from '../../src/train/assess.js';
import { ensembleOf } from '../../src/train/auto.js';
import { calibrateModels, type CalibratedModels } from '../../src/train/calibrate.js';
import { bundleContents } from '../../src/train/contents.js';
import { loadDataset, type Dataset } from '../../src/train/dataset.js';
import type { SingleCandidate } from '../../src/train/fit.js';
import { fitModels } from '../../src/train/models.js';

export async function trainEnsembleBundle(options: {
  data: string;
  out: string;
  members: SingleCandidate[];
  calibration: CalibrationMethod;
  seed: number;
  target?: string;
  id?: string;
}): Promise<{ dataset: Dataset; calibrated: CalibratedModels }> {
  const dataset = await loadDataset({ data: options.data, target: options.target, id: options.id }, { balance: 'random', split: [0.8, 0.1, 0.1], seed: options.seed });
  const fitted = await fitModels(dataset, ensembleOf(options.members), { baseline: false }, () => {});
  const calibrated = await calibrateModels(dataset, fitted, options.calibration);
  const assessment = await assessModels(dataset, calibrated, null, () => {});
  const contents = await bundleContents(await initTraining(), dataset, calibrated, assessment, {});
  await saveBundle(options.out, contents.manifest, contents.files);
  return { dataset, calibrated };
}
