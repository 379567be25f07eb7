import { readTable } from '../data/read.js';
import { featureColumns } from '../core/table.js';
import { usageError } from '../errors.js';
import type { MetricSet } from '../evaluate/metrics.js';
import { computeMetrics } from '../evaluate/metrics.js';
import { takeLabels } from '../core/matrix.js';
import { createRng } from '../core/random.js';
import { balanceIndices } from '../prep/split.js';
import { loadPredictor } from '../predict/predictor.js';

export interface EvaluateOptions {
  model: string;
  data: string;
  seed: number;
}

export interface Evaluation {
  model: string;
  data: string;
  threshold: number;
  /** Every row of the file, as it is. */
  natural: MetricSet;
  /** A random balanced sample of the file (equal buyers and non-buyers), as the seeds report. */
  balanced: MetricSet;
}

/** Scores a labelled table with a saved model (through the Predictor) and measures it. */
export async function evaluateBundle(options: EvaluateOptions): Promise<Evaluation> {
  const predictor = await loadPredictor(options.model);
  try {
    const table = await readTable(options.data, { schema: predictor.manifest.schema, requireTarget: true });
    if (!table.target) throw usageError(`${options.data} has no target column to evaluate against`);
    const p = await predictor.predictColumns(featureColumns(table));
    const balancedRows = balanceIndices(table.target, 'random', createRng(options.seed));
    return {
      model: options.model,
      data: options.data,
      threshold: predictor.threshold,
      natural: computeMetrics(p, table.target, predictor.threshold),
      balanced: computeMetrics(
        Float32Array.from(balancedRows, (r) => p[r]!),
        takeLabels(table.target, balancedRows),
        predictor.threshold,
      ),
    };
  } finally {
    await predictor.close();
  }
}
