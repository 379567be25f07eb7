/**
 * `rebuy decide --objective incremental-profit` on an uplift bundle: which treatment to send to whom
 * (or nobody), judged on held-out customers of the test through their randomized arms. Scores come
 * from the bundle's ONNX graph through the Predictor.
 */
import { UPLIFT_TEST_SHARE } from '../config.js';
import { featureColumns, type Table } from '../core/table.js';
import { readTable } from '../data/read.js';
import { writeCsv, writeParquet, type OutputColumn } from '../data/write.js';
import { fingerprintFiles } from '../data/fingerprint.js';
import { bundleError, usageError } from '../errors.js';
import { chooseTreatments, upliftScoreColumns, judgeUpliftDecision, type TreatmentChoice, type UpliftDecisionResult, type UpliftMoney } from '../evaluate/uplift-decide.js';
import { loadPredictor } from '../predict/predictor.js';
import type { Predictor } from '../predict/types.js';
import { readExperiment } from '../train/uplift-data.js';
import { upliftHoldout } from '../train/uplift.js';

export interface UpliftDecideOptions extends UpliftMoney {
  model: string;
  /** Customers of the test to judge on; default the bundle's training file, whose held-out customers are used. */
  data?: string;
  seed: number;
}

export interface UpliftDecision extends UpliftDecisionResult {
  model: string;
  source: string;
  /** True when these are the customers held out at training (the same file, the same seed). */
  heldOut: boolean;
  treatments: string[];
  control: string;
  money: UpliftMoney;
  /** IDs of the customers every treatment is expected to put off, in file order. */
  putOffIds: string[];
}

/** Per row of `columns`: the uplift of each treatment, from the bundle's graph. */
export async function upliftOf(predictor: Predictor, columns: Parameters<Predictor['predictColumns']>[0]): Promise<{ control: Float32Array; treated: Float32Array[]; uplift: Float32Array[] }> {
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

export async function decideUplift(options: UpliftDecideOptions): Promise<UpliftDecision> {
  const predictor = await loadPredictor(options.model);
  try {
    const { manifest } = predictor;
    const section = manifest.uplift;
    if (!section) throw usageError(`--objective incremental-profit needs an uplift bundle; ${options.model} predicts buying, not the contact's effect: train with --treatment COL`);
    const file = options.data ?? manifest.data.files[0];
    if (!file) throw usageError('give --data FILE: customers of the test to judge the decision on');
    const table = await readTable(file, { target: manifest.schema.target ?? undefined, id: manifest.schema.id ?? undefined });
    const experiment = readExperiment(table, { treatment: section.treatmentColumn, control: section.control, ignore: section.ignored });
    const same = (await fingerprintFiles([file])) === manifest.data.fingerprint;
    const rows = same ? upliftHoldout(experiment, UPLIFT_TEST_SHARE, manifest.data.seed).test : Int32Array.from({ length: table.nRows }, (_, i) => i);
    const scores = await upliftOf(predictor, featureColumns(experiment.table, rows));
    const arms = [experiment.control, ...experiment.treatments];
    // The bundle's treatment order decides which output is which; the arms are mapped to it by name.
    const armIndex = new Map(arms.map((name, k) => [k, name === section.control ? 0 : section.treatments.indexOf(name) + 1]));
    if (experiment.treatments.some((t) => !section.treatments.includes(t))) {
      throw usageError(`${file} has treatment groups the model was not trained on: ${experiment.treatments.filter((t) => !section.treatments.includes(t)).join(', ')}`);
    }
    const held = {
      outcome: Uint8Array.from(rows, (r) => table.target![r]!),
      arm: Uint8Array.from(rows, (r) => armIndex.get(experiment.arm[r]!)!),
    };
    const money = { contactCost: options.contactCost, valuePerReturn: options.valuePerReturn };
    const result = judgeUpliftDecision(scores.uplift, held, money, { seed: options.seed });
    const putOff = chooseTreatments(scores.uplift, money).putOff;
    return {
      ...result,
      model: options.model,
      source: same ? `${file} (the ${rows.length} customers held out at training)` : file,
      heldOut: same,
      treatments: section.treatments,
      control: section.control,
      money,
      putOffIds: Array.from(rows, (r, i) => (putOff[i] ? table.ids[r]! : null)).filter((id): id is string => id !== null),
    };
  } finally {
    await predictor.close();
  }
}

export interface UpliftScoreSummary {
  rows: number;
  output: string;
  columns: string[];
  contacted: number | null;
  putOff: number;
}

/** An uplift bundle's answer for each customer of a table, in file order. */
export interface UpliftTableScores {
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

/** Scores the customers of `table` through the bundle's graph and, with money settings, decides whom to contact. */
export async function scoreUpliftTable(predictor: Predictor, table: Table, money?: UpliftMoney): Promise<UpliftTableScores> {
  const section = predictor.manifest.uplift;
  if (!section) throw usageError(`${predictor.bundleDir} is not an uplift bundle`);
  const scores = await upliftOf(predictor, featureColumns(table));
  const best = Int16Array.from({ length: table.nRows }, (_, i) => {
    let t = 0;
    for (let k = 1; k < scores.uplift.length; k++) if (scores.uplift[k]![i]! > scores.uplift[t]![i]!) t = k;
    return t;
  });
  return { ids: table.ids, treatments: section.treatments, ...scores, best, choice: money ? chooseTreatments(scores.uplift, money) : null };
}

/** The scores as output columns (the score file's, and the API's CSV answer). */
export function upliftOutputColumns(s: UpliftTableScores): OutputColumn[] {
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

/**
 * Scores a customer table with an uplift bundle: per customer P(buy if not contacted), per treatment
 * P(buy if contacted with it) and the uplift, the best treatment, and — with money settings — the
 * expected incremental profit and whether to contact. Written in file order, CSV or Parquet by name.
 */
export async function scoreUpliftFile(predictor: Predictor, input: string, output: string, money?: UpliftMoney): Promise<UpliftScoreSummary> {
  if (!predictor.manifest.uplift) throw usageError(`${predictor.bundleDir} is not an uplift bundle`);
  const table = await readTable(input, { schema: predictor.manifest.schema });
  const scores = await scoreUpliftTable(predictor, table, money);
  const columns = upliftOutputColumns(scores);
  await (output.endsWith('.parquet') ? writeParquet(output, columns) : writeCsv(output, columns));
  return {
    rows: table.nRows,
    output,
    columns: columns.map((c) => c.name),
    contacted: scores.choice ? scores.choice.treatment.filter((t) => t >= 0).length : null,
    putOff: Array.from(scores.best).filter((t, i) => scores.uplift[t]![i]! < 0).length,
  };
}
