/** Training step 3: fit the feature state, the chosen model and (unless it is one) the logistic baseline. */
import type { FeatureState } from '../prep/features.js';
import type { Dataset } from './dataset.js';
import { fitCandidate, fitCandidateFeatures, labelledRows, type Candidate, type FittedCandidate } from './fit.js';
import type { ProgressListener } from './progress.js';

export interface FittedModels {
  features: FeatureState;
  network: FittedCandidate;
  baseline: FittedCandidate | null;
}

export async function fitModels(dataset: Dataset, candidate: Candidate, options: { baseline?: boolean }, progress: ProgressListener): Promise<FittedModels> {
  const { table } = dataset;
  const features = fitCandidateFeatures(table, dataset.train, candidate);
  const train = labelledRows(table, features, dataset.train);
  const valid = labelledRows(table, features, dataset.valid);
  const context = { seed: dataset.options.seed, classWeights: dataset.classWeights };
  const networks = (candidate.kind === 'ensemble' ? candidate.members : [candidate]).flatMap((c) => (c.kind === 'network' ? [c.config.maxEpochs] : []));
  const maxEpochs = Math.max(0, ...networks);
  const network = await fitCandidate(candidate, features, train, valid, { ...context, onEpoch: (record) => progress({ kind: 'epoch', record, maxEpochs }) });
  if (options.baseline === false || candidate.kind === 'logistic') return { features, network, baseline: null };
  progress({ kind: 'baseline' });
  const logistic: Candidate = { name: candidate.derived ? 'logistic+derived' : 'logistic', kind: 'logistic', derived: candidate.derived };
  return { features, network, baseline: await fitCandidate(logistic, features, train, valid, context) };
}
