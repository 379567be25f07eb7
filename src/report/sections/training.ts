/** Section 3: training curves per epoch, train vs validation, the kept epoch marked. */
import type { ModelSummary } from '../../bundle/manifest.js';
import { lineChart } from '../charts.js';
import { accuracyChart, lossChart } from '../training-charts.js';
import { p, pair, section } from '../markup.js';
import { escapeHtml } from '../svg.js';
import { count, fixed, percent } from '../words.js';

function describeNetwork(model: ModelSummary): string {
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

export function trainingSection(model: ModelSummary, baseline: ModelSummary | null): string {
  const h = model.history;
  const last = h[h.length - 1];
  const best = h.find((r) => r.epoch === model.bestEpoch);
  const loss = lineChart(lossChart(h, model.bestEpoch));
  const accuracy = lineChart(accuracyChart(h, model.bestEpoch));
  const numbers =
    best && last
      ? `At the kept epoch the validation loss was ${fixed(best.valLoss)} and the validation accuracy ${percent(best.valAccuracy)}; ` +
        `at the last epoch they were ${fixed(last.valLoss)} and ${percent(last.valAccuracy)}.`
      : '';
  const baselineText = baseline ? ` The logistic baseline trained in ${baseline.trainSeconds.toFixed(1)} s.` : '';
  return section({
    id: 'training',
    title: 'Training',
    body: p(escapeHtml(`${describeNetwork(model)} ${numbers}${baselineText}`)) + pair(loss, accuracy),
  });
}
