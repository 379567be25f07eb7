/** Monitors a customer file with a loaded model: streamed in batches, scored through the Predictor, compared with the profile. */
import { hasProfile, readProfile, type TrainingProfile } from '../bundle/profile.js';
import { PROFILE_FILE } from '../bundle/layout.js';
import { streamTable, type CsvDialect } from '../data/read.js';
import { bundleError } from '../errors.js';
import type { Predictor } from '../predict/types.js';
import { SCORING_DEFAULTS } from '../config.js';
import { monitorRun, type MonitorRun, type RunContext } from './run.js';
import { addBatch, createSketch } from './sketch.js';

export interface MonitorFileOptions {
  /** How the model is named to the user (a path or a store reference). */
  ref?: string;
  dialect?: CsvDialect;
  batchRows?: number;
  options?: RunContext['options'];
  seed?: number;
  at?: Date;
  /** Called after each batch with the rows read so far. */
  onProgress?: (rows: number) => void;
}

/** Refuses a bundle without a training profile (exit 2, naming the bundle and what to do). */
export async function profileOf(predictor: Predictor): Promise<TrainingProfile> {
  if (!hasProfile(predictor.bundle)) {
    throw bundleError(predictor.bundleDir, `has no ${PROFILE_FILE}: it was saved before rebuy kept training profiles; train it again to monitor it`);
  }
  return readProfile(predictor.bundle);
}

export async function monitorFile(predictor: Predictor, file: string, options: MonitorFileOptions = {}): Promise<MonitorRun> {
  const profile = await profileOf(predictor);
  const { manifest } = predictor;
  const sketch = createSketch(profile, predictor.threshold, options.seed ?? 0);
  const batches = streamTable(file, manifest.schema, {
    ...options.dialect,
    chunkRows: options.batchRows ?? SCORING_DEFAULTS.batchRows,
    withTarget: true,
  });
  for await (const chunk of batches) {
    const probabilities = await predictor.predictColumns(chunk);
    addBatch(sketch, profile, chunk, probabilities, chunk.target ?? null);
    options.onProgress?.(sketch.rows);
  }
  return monitorRun(sketch, {
    profile,
    features: manifest.features,
    objective: manifest.thresholdObjective,
    model: { ref: options.ref ?? predictor.bundleDir, hash: predictor.bundleHash, createdAt: manifest.createdAt },
    file,
    ...(options.options && { options: options.options }),
    ...(options.seed !== undefined && { seed: options.seed }),
    ...(options.at && { at: options.at }),
  });
}
