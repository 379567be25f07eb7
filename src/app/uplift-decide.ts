/**
 * `rebuy decide --objective incremental-profit` on an uplift bundle: which treatment to send to whom
 * (or nobody), judged on held-out customers of the test through their randomized arms. Scores come
 * from the bundle's ONNX graph through the Predictor.
 */
import { basename } from 'node:path';
import { UPLIFT_TEST_SHARE } from '../config.js';
import { featureColumns } from '../core/table.js';
import { readTable } from '../data/read.js';
import { fingerprintFiles } from '../data/fingerprint.js';
import { usageError } from '../errors.js';
import { checkMoney, chooseTreatments, judgeUpliftDecision, type SavedUpliftDecision, type UpliftDecisionResult, type UpliftMoney } from '../evaluate/uplift-decide.js';
import { loadBundle } from '../bundle/load.js';
import { updateBundle } from '../bundle/update.js';
import { REPORT_FILE } from '../bundle/layout.js';
import { renderUpliftReport } from '../report/sections/uplift.js';
import { loadPredictor } from '../predict/predictor.js';
import { upliftOf } from '../predict/uplift-score.js';
import { readExperiment } from '../train/uplift-data.js';
import { upliftHoldout } from '../train/uplift.js';

export interface UpliftDecideOptions extends UpliftMoney {
  model: string;
  /** Customers of the test to judge on; default the bundle's training file, whose held-out customers are used. */
  data?: string;
  seed: number;
  /** Write the decision (money settings and the list judged) into the bundle and its report (default true). */
  save?: boolean;
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
  saved: boolean;
}

/**
 * Chooses whom to contact with which treatment from the uplifts (no outcomes used), judges the list on
 * customers of the test through their arms, and by default saves the decision into the bundle, as
 * `decide` saves a response model's: the report and GET /v1/model then show it.
 */
export async function decideUplift(options: UpliftDecideOptions): Promise<UpliftDecision> {
  const money = { contactCost: options.contactCost, valuePerReturn: options.valuePerReturn };
  checkMoney(money);
  const { decision, fileName } = await judgeOnTest(options, money);
  const save = options.save !== false;
  if (save) {
    const { putOffIds: _ids, model: _model, treatments: _treatments, control: _control, saved: _saved, file, source, ...kept } = decision;
    // The bundle is served and shared: it names the file, not the directory it was in here.
    await saveUpliftDecision(options.model, { ...kept, source: source.replace(file, fileName), seed: options.seed });
  }
  const { file: _file, ...shown } = decision;
  return { ...shown, saved: save };
}

/** Writes the decision into the bundle's uplift section, keeping every file; the report is rendered again to show it. */
async function saveUpliftDecision(dir: string, decision: SavedUpliftDecision): Promise<void> {
  const bundle = await loadBundle(dir);
  await updateBundle(bundle, (manifest, files) => {
    if (!manifest.uplift) throw usageError(`${dir} is not an uplift bundle`);
    manifest.uplift = { ...manifest.uplift, decision };
    if (files.has(REPORT_FILE)) files.set(REPORT_FILE, renderUpliftReport(manifest, bundle.dir));
  });
}

async function judgeOnTest(options: UpliftDecideOptions, money: UpliftMoney): Promise<{ decision: UpliftDecision & { file: string }; fileName: string }> {
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
    const result = judgeUpliftDecision(scores.uplift, held, money, { seed: options.seed });
    const putOff = chooseTreatments(scores.uplift, money).putOff;
    const decision = {
      ...result,
      file,
      model: options.model,
      source: same ? `${file} (the ${rows.length} customers held out at training)` : file,
      heldOut: same,
      treatments: section.treatments,
      control: section.control,
      money,
      putOffIds: Array.from(rows, (r, i) => (putOff[i] ? table.ids[r]! : null)).filter((id): id is string => id !== null),
      saved: false,
    };
    return { decision, fileName: basename(file) };
  } finally {
    await predictor.close();
  }
}
