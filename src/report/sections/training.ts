/** Section 3: training curves per epoch, train vs validation, the kept epoch marked. */
import type { ModelSummary } from '../../bundle/manifest.js';
import type { EpochRecord } from '../../model/network.js';
import { COLORS, PAIR_WIDTH, lineChart, type Marker, type Point } from '../charts.js';
import { p, pair, section } from '../markup.js';
import { escapeHtml } from '../svg.js';
import { count, fixed, percent } from '../words.js';

function points(history: readonly EpochRecord[], key: keyof EpochRecord): Point[] {
  return history.map((r) => [r.epoch, r[key]]);
}

function bestMarker(model: ModelSummary): Marker[] {
  return model.bestEpoch > 0 ? [{ name: `kept: epoch ${model.bestEpoch}`, x: model.bestEpoch, color: COLORS.best, label: `epoch ${model.bestEpoch}` }] : [];
}

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
  const markers = bestMarker(model);
  const last = h[h.length - 1];
  const best = h.find((r) => r.epoch === model.bestEpoch);
  const loss = lineChart({
    title: 'Loss per epoch',
    width: PAIR_WIDTH,
    x: { label: 'Epoch' },
    y: { label: 'Cross-entropy loss' },
    series: [
      { name: 'training', points: points(h, 'loss'), color: COLORS.train },
      { name: 'validation', points: points(h, 'valLoss'), color: COLORS.validation },
    ],
    markers,
    caption:
      'Lower is better. Validation customers are not used to fit the weights; when their loss stops falling while the training loss keeps falling, the network starts to memorise. The dashed line marks the epoch whose weights were kept.',
    emptyNote: 'The bundle records no training history.',
  });
  const accuracy = lineChart({
    title: 'Accuracy per epoch',
    width: PAIR_WIDTH,
    x: { label: 'Epoch' },
    y: { label: 'Accuracy', format: (v) => `${Math.round(v * 100)} %` },
    series: [
      { name: 'training', points: points(h, 'accuracy'), color: COLORS.train },
      { name: 'validation', points: points(h, 'valAccuracy'), color: COLORS.validation },
    ],
    markers,
    caption: 'Share of correct yes/no predictions on the training and validation parts. Higher is better.',
    emptyNote: 'The bundle records no training history.',
  });
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
