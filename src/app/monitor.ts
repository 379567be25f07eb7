/** `rebuy monitor`: a new customer list against the model's training profile, without labels; runs recorded for the trend. */
import { loadPredictor } from '../predict/predictor.js';
import type { MonitorHistory, RecordedRun } from '../monitor/history.js';
import { monitorFile } from '../monitor/list.js';
import type { MonitorRun } from '../monitor/run.js';

export interface MonitorOptions {
  model: string;
  data: string;
  /** The share of features that must drift to alert (default MONITOR_DEFAULTS.alertShare). */
  alertShare?: number;
  /** Where to record the run; none: not recorded. */
  history?: MonitorHistory | null;
  delimiter?: string;
  decimal?: string;
  seed?: number;
  onProgress?: (rows: number) => void;
}

export async function monitorList(options: MonitorOptions): Promise<MonitorRun> {
  const predictor = await loadPredictor(options.model);
  let run: MonitorRun;
  try {
    run = await monitorFile(predictor, options.data, {
      ref: options.model,
      dialect: { delimiter: options.delimiter, decimal: options.decimal },
      ...(options.alertShare !== undefined && { options: { alertShare: options.alertShare } }),
      ...(options.seed !== undefined && { seed: options.seed }),
      ...(options.onProgress && { onProgress: options.onProgress }),
    });
  } finally {
    await predictor.close();
  }
  await options.history?.record(run);
  return run;
}

export async function monitorTrend(history: MonitorHistory): Promise<RecordedRun[]> {
  return history.list();
}
