/**
 * Scoring with an uplift bundle, in bounded memory: the file streams through the bundle's graph a
 * chunk at a time (streamTable, as the response model's scoreRows reads it), and each chunk's answer
 * — P(buy if not contacted), per treatment P(buy if contacted with it) and the uplift, the best
 * treatment and, with money settings, whom to contact — is written out before the next is held.
 * Rows keep file order, so nothing needs ranking or keeping.
 */
import { SCORING_DEFAULTS } from '../config.js';
import type { FeatureColumns } from '../core/table.js';
import { streamTable, type CsvDialect } from '../data/read.js';
import { outputFormat, writeCsvBatches, writeParquetBatches, type OutputColumn } from '../data/write.js';
import { bundleError, usageError } from '../errors.js';
import {
  addToListProfit,
  chooseTreatments,
  listProfitEstimate,
  upliftScoreColumns,
  UPLIFT_TEXT_COLUMNS,
  type ListProfitSums,
  type TreatmentChoice,
  type UpliftMoney,
} from '../evaluate/uplift-decide.js';
import type { Estimate } from '../evaluate/uplift.js';
import type { Predictor } from './types.js';

/** Per row of `columns`: P(buy) without contact, and per treatment with it and the uplift, from the bundle's graph. */
export async function upliftOf(predictor: Predictor, columns: FeatureColumns): Promise<{ control: Float32Array; treated: Float32Array[]; uplift: Float32Array[] }> {
  const section = predictor.manifest.uplift;
  if (!section || !predictor.predictOutputs) throw usageError(`${predictor.bundleDir} is not an uplift bundle: train one with --treatment COL`);
  const outputs = await predictor.predictOutputs(columns);
  if (outputs.length !== 1 + 2 * section.treatments.length) throw bundleError(predictor.bundleDir, `its graph gives ${outputs.length} outputs, not ${1 + 2 * section.treatments.length}`);
  return {
    control: outputs[0]!,
    treated: section.treatments.map((_, t) => outputs[1 + 2 * t]!),
    uplift: section.treatments.map((_, t) => outputs[2 + 2 * t]!),
  };
}

/** An uplift bundle's answer for some customers, in file order. */
export interface UpliftScores {
  ids: string[];
  treatments: string[];
  control: Float32Array;
  treated: Float32Array[];
  uplift: Float32Array[];
  /** Per customer: the treatment with the highest uplift (0-based), whether it helps or not. */
  best: Int16Array;
  /** With money settings: whom to send which treatment, and the expected incremental profit. */
  choice: TreatmentChoice | null;
}

/** Scores customers through the bundle's graph and, with money settings, decides whom to contact. */
export async function scoreUpliftColumns(predictor: Predictor, columns: FeatureColumns & { ids: string[] }, money?: UpliftMoney): Promise<UpliftScores> {
  const section = predictor.manifest.uplift;
  if (!section) throw usageError(`${predictor.bundleDir} is not an uplift bundle`);
  const scores = await upliftOf(predictor, columns);
  const best = Int16Array.from({ length: columns.nRows }, (_, i) => {
    let t = 0;
    for (let k = 1; k < scores.uplift.length; k++) if (scores.uplift[k]![i]! > scores.uplift[t]![i]!) t = k;
    return t;
  });
  return { ids: columns.ids, treatments: section.treatments, ...scores, best, choice: money ? chooseTreatments(scores.uplift, money) : null };
}

/** The scores as output columns (the score file's, and the API's CSV answer). */
export function upliftOutputColumns(s: UpliftScores): OutputColumn[] {
  const best = Array.from(s.best);
  const values: OutputColumn['values'][] = [
    s.ids,
    s.control,
    ...s.treatments.flatMap((_, k) => [s.treated[k]!, s.uplift[k]!]),
    best.map((t, i) => (s.uplift[t]![i]! > 0 ? s.treatments[t]! : 'none')),
    ...(s.choice ? [Array.from(s.choice.treatment, (t) => (t >= 0 ? s.treatments[t]! : 'none')), s.choice.gain] : []),
    best.map((t, i) => (s.uplift[t]![i]! < 0 ? 1 : 0)),
  ];
  return upliftScoreColumns(s.treatments, s.choice !== null).map((name, k) => ({ name, values: values[k]! }));
}

export interface UpliftStreamOptions {
  /** Rows per model call (default SCORING_DEFAULTS.batchRows). */
  batchRows?: number;
  dialect?: CsvDialect;
}

/**
 * The file's customers scored a chunk at a time, in file order; the next chunk is read while the
 * graph scores this one (as scoreRows does). A file with no data rows is refused, as readTable does.
 */
export async function* streamUpliftScores(predictor: Predictor, input: string, money?: UpliftMoney, options: UpliftStreamOptions = {}): AsyncGenerator<UpliftScores> {
  if (!predictor.manifest.uplift) throw usageError(`${predictor.bundleDir} is not an uplift bundle`);
  const chunks = streamTable(input, predictor.manifest.schema, { chunkRows: options.batchRows ?? SCORING_DEFAULTS.batchRows, refuseDuplicateIds: true, ...options.dialect })[Symbol.asyncIterator]();
  let rows = 0;
  try {
    let next = chunks.next();
    for (let read = await next; !read.done; read = await next) {
      const scoring = scoreUpliftColumns(predictor, read.value, money);
      next = chunks.next();
      next.catch(() => {});
      const scores = await scoring;
      rows += scores.ids.length;
      yield scores;
    }
  } finally {
    await chunks.return(undefined);
  }
  if (rows === 0) throw usageError(`${input} has a header but no data rows`);
}

/** What an uplift list comes to: its size, and with money settings the decision over all of it. */
export interface UpliftListTally {
  customers: number;
  /** Customers every treatment is expected to put off (best uplift below 0). */
  putOff: number;
  /** With money settings: contacted per treatment, in treatment order, and the expected profit's running sums. */
  byTreatment: number[] | null;
  profit: ListProfitSums | null;
}

export function emptyTally(treatments: number, withMoney: boolean): UpliftListTally {
  return { customers: 0, putOff: 0, byTreatment: withMoney ? new Array<number>(treatments).fill(0) : null, profit: withMoney ? { value: 0, variance: 0 } : null };
}

/** Adds a chunk's customers to the tally, in file order (so sums add up as over the whole list at once). */
export function addToTally(tally: UpliftListTally, s: UpliftScores): void {
  tally.customers += s.ids.length;
  s.best.forEach((t, i) => {
    if (s.uplift[t]![i]! < 0) tally.putOff++;
  });
  if (s.choice && tally.byTreatment && tally.profit) {
    for (const t of s.choice.treatment) if (t >= 0) tally.byTreatment[t]!++;
    addToListProfit(tally.profit, s, s.choice);
  }
}

/** The decision over the whole list: contacts per treatment, the put-off counted apart, and the expected incremental profit with its range. */
export function tallyDecision(
  tally: UpliftListTally,
  money: UpliftMoney,
): { customers: number; contacted: number; byTreatment: number[]; putOff: number; expectedProfit: Estimate & { level: number } } | null {
  if (!tally.byTreatment || !tally.profit) return null;
  return {
    customers: tally.customers,
    contacted: tally.byTreatment.reduce((a, b) => a + b, 0),
    byTreatment: tally.byTreatment,
    putOff: tally.putOff,
    expectedProfit: listProfitEstimate(tally.profit, money),
  };
}

export interface UpliftScoreSummary {
  rows: number;
  output: string;
  columns: string[];
  contacted: number | null;
  putOff: number;
}

/**
 * Scores a customer file with an uplift bundle and writes the scores in file order, atomically: CSV,
 * or Parquet for .parquet/.pq (text columns VARCHAR, figures DOUBLE), one chunk at a time.
 */
export async function scoreUpliftFile(predictor: Predictor, input: string, output: string, money?: UpliftMoney, options: UpliftStreamOptions = {}): Promise<UpliftScoreSummary> {
  const section = predictor.manifest.uplift;
  if (!section) throw usageError(`${predictor.bundleDir} is not an uplift bundle`);
  const names = upliftScoreColumns(section.treatments, money !== undefined);
  const tally = emptyTally(section.treatments.length, money !== undefined);
  async function* batches(): AsyncGenerator<OutputColumn[]> {
    for await (const scores of streamUpliftScores(predictor, input, money, options)) {
      addToTally(tally, scores);
      yield upliftOutputColumns(scores);
    }
  }
  if (outputFormat(output) === 'parquet') {
    await writeParquetBatches(output, names.map((name) => ({ name, numeric: !UPLIFT_TEXT_COLUMNS.has(name) })), batches());
  } else {
    await writeCsvBatches(output, names, batches());
  }
  return {
    rows: tally.customers,
    output,
    columns: names,
    contacted: tally.byTreatment ? tally.byTreatment.reduce((a, b) => a + b, 0) : null,
    putOff: tally.putOff,
  };
}
