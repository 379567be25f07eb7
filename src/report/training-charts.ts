/**
 * The training curves per epoch (train vs validation, the kept epoch marked), drawn alike in the
 * report and on the web page, which loads this module as is.
 */
import type { EpochRecord } from '../model/network.js';
import { COLORS, PAIR_WIDTH, type LineChartSpec, type Marker, type Point } from './charts.js';

const NO_HISTORY = 'The bundle records no training history.';

function points(history: readonly EpochRecord[], key: keyof EpochRecord): Point[] {
  return history.map((r) => [r.epoch, r[key]]);
}

function keptEpoch(bestEpoch: number): Marker[] {
  return bestEpoch > 0 ? [{ name: `kept: epoch ${bestEpoch}`, x: bestEpoch, color: COLORS.best, label: `epoch ${bestEpoch}` }] : [];
}

export function lossChart(history: readonly EpochRecord[], bestEpoch: number): LineChartSpec {
  return {
    title: 'Loss per epoch',
    width: PAIR_WIDTH,
    x: { label: 'Epoch', tight: true },
    y: { label: 'Cross-entropy loss' },
    series: [
      { name: 'training', points: points(history, 'loss'), color: COLORS.train },
      { name: 'validation', points: points(history, 'valLoss'), color: COLORS.validation },
    ],
    markers: keptEpoch(bestEpoch),
    caption:
      'Lower is better. Validation customers are not used to fit the weights; when their loss stops falling while the training loss keeps falling, the network starts to memorise. The dashed line marks the epoch whose weights were kept.',
    emptyNote: NO_HISTORY,
  };
}

export function accuracyChart(history: readonly EpochRecord[], bestEpoch: number): LineChartSpec {
  return {
    title: 'Accuracy per epoch',
    width: PAIR_WIDTH,
    x: { label: 'Epoch', tight: true },
    y: { label: 'Accuracy', format: (v) => `${Math.round(v * 100)} %` },
    series: [
      { name: 'training', points: points(history, 'accuracy'), color: COLORS.train },
      { name: 'validation', points: points(history, 'valAccuracy'), color: COLORS.validation },
    ],
    markers: keptEpoch(bestEpoch),
    caption: 'Share of correct yes/no predictions on the training and validation parts. Higher is better.',
    emptyNote: NO_HISTORY,
  };
}
