/** Training step 2: which model to fit, from the preset and flags or by cross-validation (model 'auto'). */
import type { Leaderboard } from '../evaluate/leaderboard.js';
import type { Table } from '../core/table.js';
import { derivedFeaturesFor } from '../prep/derived.js';
import type { NetworkConfig } from '../model/network.js';
import { DEFAULT_PRESET, resolveNetworkConfig } from '../model/presets.js';
import { selectModel } from './auto.js';
import type { Dataset } from './dataset.js';
import type { Candidate, SingleCandidate } from './fit.js';
import type { CalibrationMethod } from '../evaluate/calibration.js';
import { learningRows } from './plans.js';
import { isPurchaseTable } from './purchase-models.js';
import type { ProgressListener } from './progress.js';

export interface CandidateOptions {
  preset?: string;
  network?: Partial<NetworkConfig>;
  /** Add the schema's derived features. */
  derived?: boolean;
  /** 'auto': choose the configuration by cross-validation on the training part (see auto.ts); 'logistic': the logistic regression as the model. */
  model?: 'auto' | 'logistic';
  /** On a `features` customer table: the target's horizon in days, over which BG/NBD predicts (purchase-models.ts). */
  purchaseHorizonDays?: number;
  /** How `auto` calibrates an ensemble's members while it compares (as the trained model will be). */
  calibration?: CalibrationMethod;
}

export interface CandidateChoice {
  candidate: Candidate;
  /** How the candidates compared, when chosen automatically. */
  leaderboard: Leaderboard | null;
}

export async function chooseCandidate(dataset: Dataset, options: CandidateOptions, progress: ProgressListener): Promise<CandidateChoice> {
  const chooses = options.model === 'auto' || choosesByDefault(dataset, options);
  if (!chooses && !isPurchaseTable(dataset.table)) return { candidate: presetCandidate(options), leaderboard: null };
  const selection = await selectModel(dataset.table, learningRows(dataset), {
    balance: dataset.options.balance,
    seed: dataset.options.seed,
    // A `features` table gets its BG/NBD comparison also when the model is given: it and the baseline are the leaderboard.
    // A new table's default chooses among the preset, the baseline and their mean, as auto does among its candidates.
    ...(options.model !== 'auto' && { candidates: presetAndBaseline(options, chooses && hasLongTails(dataset.table, learningRows(dataset))), ensembles: chooses }),
    calibration: options.calibration,
    purchaseModels: { horizonDays: options.purchaseHorizonDays },
    onProgress: (done, total, run) => progress({ kind: 'select', done, total, run }),
  });
  if (!chooses) return { candidate: presetCandidate(options), leaderboard: selection.leaderboard };
  progress({ kind: 'selected', candidate: selection.chosen, leaderboard: selection.leaderboard });
  return { candidate: selection.chosen, leaderboard: selection.leaderboard };
}

const LOGISTIC: SingleCandidate = { name: 'logistic', kind: 'logistic' };
const LOGISTIC_WITH_LOGS: SingleCandidate = { ...LOGISTIC, name: 'logistic+derived', derived: true };

/**
 * The given preset (default 2x50) and the logistic baseline, and with `withLogs` the baseline also given the
 * logs of the long-tailed columns (derivedFeaturesFor): what the default chooses among on a new table.
 */
export function presetAndBaseline(options: CandidateOptions, withLogs = false): SingleCandidate[] {
  return [presetCandidate(options), LOGISTIC, ...(withLogs ? [LOGISTIC_WITH_LOGS] : [])];
}

/** Whether the table has derived features on the given rows (on a new table: long-tailed columns to take the log of). */
export function hasLongTails(table: Table, rows: ArrayLike<number>): boolean {
  return derivedFeaturesFor(table, rows).length > 0;
}

/** On a table other than Audiobooks, no model asked for: the default preset, the logistic regression or their mean, whichever cross-validates better (config NEW_TABLE_DEFAULTS). */
function choosesByDefault(dataset: Dataset, options: CandidateOptions): boolean {
  return dataset.table.schema.name !== 'audiobooks' && options.model === undefined && options.preset === undefined && options.network === undefined;
}

function presetCandidate(options: CandidateOptions): SingleCandidate {
  if (options.model === 'logistic') return { name: `logistic${options.derived ? '+derived' : ''}`, kind: 'logistic', derived: options.derived };
  const config = resolveNetworkConfig(options.preset, options.network);
  const preset = options.network ? null : (options.preset ?? DEFAULT_PRESET);
  const name = `${preset ?? `net ${config.hidden.join('x') || 'linear'}`}${options.derived ? '+derived' : ''}`;
  return { name, kind: 'network', preset, config, derived: options.derived };
}
