/** Section 3: training curves per epoch, train vs validation, the kept epoch marked. */
import type { EnsembleMember, ModelSummary } from '../../bundle/manifest.js';
import { lineChart } from '../charts.js';
import { accuracyChart, lossChart } from '../training-charts.js';
import { h3, p, pair, section } from '../markup.js';
import { escapeHtml } from '../svg.js';
import { count, fixed, percent } from '../words.js';

/** What one trained model (the model itself or an ensemble's member) records of its training. */
type TrainedModel = Pick<ModelSummary, 'config' | 'history' | 'bestEpoch' | 'trainSeconds'>;

function describeNetwork(model: TrainedModel): string {
  const c = model.config;
  const epochs = model.history.length;
  const run = epochs
    ? `Training ran for ${count(epochs)} epochs (passes over the training customers) in ${model.trainSeconds.toFixed(1)} s; ` +
      `the weights of epoch ${model.bestEpoch}, where the validation loss was lowest, were kept.`
    : 'No training history was recorded.';
  if (!c) return run;
  const layers = c.hidden.length ? `${c.hidden.length} hidden layers of ${c.hidden.join(', ')} units (${c.activation})` : 'no hidden layer';
  return (
    `${run} The network has ${layers} and a ${c.output} output; Adam with learning rate ${c.learningRate}, batches of ${c.batchSize}, ` +
    `stopping after ${c.patience} epochs without a better validation loss (at most ${c.maxEpochs}).`
  );
}

function describeRun(model: TrainedModel): string {
  const h = model.history;
  const last = h[h.length - 1];
  const best = h.find((r) => r.epoch === model.bestEpoch);
  const numbers =
    best && last
      ? ` At the kept epoch the validation loss was ${fixed(best.valLoss)} and the validation accuracy ${percent(best.valAccuracy)}; ` +
        `at the last epoch they were ${fixed(last.valLoss)} and ${percent(last.valAccuracy)}.`
      : '';
  return `${describeNetwork(model)}${numbers}`;
}

function curves(model: TrainedModel): string {
  return pair(lineChart(lossChart(model.history, model.bestEpoch)), lineChart(accuracyChart(model.history, model.bestEpoch)));
}

/** An ensemble records no training of its own: each member's training is what there is to show. */
function ensembleBody(members: readonly EnsembleMember[]): string {
  const intro =
    `This model is the mean of the calibrated probabilities of ${count(members.length)} models, chosen together by cross-validation on the training part: ` +
    `${members.map((m) => m.name).join(', ')}. Each was trained and calibrated on its own.`;
  return (
    p(escapeHtml(intro)) +
    members
      .map((member, k) => h3(`Member ${k + 1}: ${member.name}`) + p(escapeHtml(describeRun(member))) + (member.history.length > 0 ? curves(member) : ''))
      .join('')
  );
}

export function trainingSection(model: ModelSummary, baseline: ModelSummary | null): string {
  const baselineText = baseline ? `The logistic baseline trained in ${baseline.trainSeconds.toFixed(1)} s.` : '';
  const body = model.members
    ? ensembleBody(model.members) + (baselineText ? p(escapeHtml(baselineText)) : '')
    : p(escapeHtml(`${describeRun(model)}${baselineText ? ` ${baselineText}` : ''}`)) + curves(model);
  return section({ id: 'training', title: 'Training', body });
}
