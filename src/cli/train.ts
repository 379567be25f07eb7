import { trainBundle, type TrainOptions } from '../app/train.js';
import type { TrainProgress } from '../train/progress.js';
import { parseSplit, type BalanceMode } from '../prep/split.js';
import type { NetworkConfig } from '../model/network.js';
import type { DataSource } from '../train/dataset.js';
import type { Manifest } from '../bundle/manifest.js';
import { objectiveInWords } from '../bundle/objective.js';
import type { CalibrationMethod } from '../evaluate/calibration.js';
import { usageError } from '../errors.js';
import { parseHorizon } from '../purchases/customer-table.js';
import { checkBundleTarget } from '../bundle/save.js';
import { describeModel, formatConfusion, formatEpoch, formatMetricsTable } from './format.js';
import type { BundleEvaluation } from '../bundle/evaluation.js';
import type { Finding } from '../audit/types.js';
import { compareAuc, type AucComparison } from '../evaluate/verdict.js';
import { checkAliasName, checkModelName } from '../bundle/ref.js';
import { fileStore } from '../bundle/store.js';
import { storeLocation } from './options.js';

export interface TrainFlags extends DataSource {
  out: string;
  preset?: string;
  model?: string;
  /** The `features` horizon of a customer table built from a purchase log (BG/NBD's leaderboard rows). */
  horizon?: string;
  derived?: boolean;
  calibration?: CalibrationMethod;
  hidden?: number[];
  activation?: NetworkConfig['activation'];
  output?: NetworkConfig['output'];
  learningRate?: number;
  batch?: number;
  epochs?: number;
  patience?: number;
  restoreBest?: boolean;
  baseline: boolean;
  balance?: BalanceMode;
  split: string;
  seed: number;
  json?: boolean;
  /** Add the saved bundle to the store as this model's next version. */
  register?: string;
  alias?: string;
  store?: string;
  /** Uplift: the column saying who was contacted (see cli/uplift.ts). */
  treatment?: string;
  control?: string;
  ignore?: string[];
  learners?: 'logistic' | 'all';
}

function networkOverrides(flags: TrainFlags): Partial<NetworkConfig> | undefined {
  const overrides: Partial<NetworkConfig> = {
    ...(flags.hidden && { hidden: flags.hidden }),
    ...(flags.activation && { activation: flags.activation }),
    ...(flags.output && { output: flags.output }),
    ...(flags.learningRate !== undefined && { learningRate: flags.learningRate }),
    ...(flags.batch !== undefined && { batchSize: flags.batch }),
    ...(flags.epochs !== undefined && { maxEpochs: flags.epochs }),
    ...(flags.patience !== undefined && { patience: flags.patience }),
    ...(flags.restoreBest && { restoreBest: true }),
  };
  return Object.keys(overrides).length > 0 ? overrides : undefined;
}

/** Progress lines on stderr, so stdout stays clean for results. */
export function progressPrinter(log: (line: string) => void): (event: TrainProgress) => void {
  return (event) => {
    if (event.kind === 'data') {
      const d = event.dataset;
      const positives = d.table.target!.reduce((s, v) => s + v, 0);
      log(`read ${d.table.nRows} customers from ${d.table.source} (${positives} bought again)`);
      log(`split: ${d.train.length} train, ${d.valid.length} validation, ${d.test.length} balanced test, ${d.naturalTest.length} natural test`);
      log('training the network…');
    } else if (event.kind === 'epoch') log(formatEpoch(event.record, event.maxEpochs));
    else if (event.kind === 'baseline') log('training the logistic-regression baseline…');
    else if (event.kind === 'explain') log('measuring permutation importance and writing the bundle…');
    else if (event.kind === 'select') {
      const { done, total, run } = event;
      log(`  model selection [${done}/${total}] ${run.candidate} fold ${run.plan + 1}: ROC-AUC ${run.naturalTest.rocAuc.toFixed(3)}`);
    } else if (event.kind === 'selected') {
      log(`chose ${event.candidate.name} by ${event.leaderboard.plans}-fold cross-validation on the training part; training it…`);
    }
  };
}

export function toTrainOptions(flags: TrainFlags, onProgress?: TrainOptions['onProgress']): TrainOptions {
  const network = networkOverrides(flags);
  const { data, train, valid, test, target, id, positive, delimiter, decimal } = flags;
  return {
    data,
    train,
    valid,
    test,
    target,
    id,
    positive,
    delimiter,
    decimal,
    out: flags.out,
    preset: flags.preset,
    ...(network && { network }),
    ...((flags.model === 'auto' || flags.model === 'logistic') && { model: flags.model }),
    ...(flags.horizon !== undefined && { purchaseHorizonDays: parseHorizon(flags.horizon) }),
    derived: flags.derived,
    calibration: flags.calibration,
    baseline: flags.baseline,
    balance: flags.balance,
    split: parseSplit(flags.split),
    seed: flags.seed,
    onProgress,
    ...(flags.register !== undefined && {
      register: { store: fileStore(storeLocation(flags.store)), name: checkModelName(flags.register), ...(flags.alias !== undefined && { alias: checkAliasName(flags.alias) }) },
    }),
  };
}

export function formatTrainResult(manifest: Manifest, dir: string): string {
  const m = manifest.model;
  const b = manifest.baseline;
  const lines = [
    '',
    m.kind === 'network'
      ? `${describeModel(m)}: stopped after ${m.history.length} epochs, kept epoch ${m.bestEpoch} (${m.trainSeconds.toFixed(2)} s)`
      : `${describeModel(m)} (${m.trainSeconds.toFixed(2)} s)`,
    `probabilities calibrated for the natural class mix (${manifest.calibration.method}); threshold ${manifest.threshold.toFixed(4)}: ${objectiveInWords(manifest.thresholdObjective)}`,
    '',
    formatMetricsTable([
      { title: 'model·balanced', metrics: m.metrics.balancedTest },
      { title: 'model·natural', metrics: m.metrics.naturalTest },
      ...(b
        ? [
            { title: 'baseline·balanced', metrics: b.metrics.balancedTest },
            { title: 'baseline·natural', metrics: b.metrics.naturalTest },
          ]
        : []),
    ]),
    '',
    ...(m.metrics.naturalTest ? [formatConfusion(m.metrics.naturalTest, `model on the natural class mix, threshold ${manifest.threshold.toFixed(4)}`), ''] : []),
    `balanced test: equal numbers of buyers and non-buyers (as the seed notebooks report);`,
    `natural test: customers not used for training or validation, in the data's own class mix (${(manifest.data.positives / manifest.data.rows * 100).toFixed(1)} % buyers).`,
    `model bundle saved to ${dir}`,
  ];
  return lines.join('\n');
}

export interface Verdict {
  comparison: AucComparison | null;
  /** The audit's most serious finding, if any is more than information. */
  caveat: Finding | null;
  next: string;
}

/** What the run means: the model against the baseline on the natural mix, the audit's worst caveat, the next command. */
export function trainVerdict(manifest: Manifest, evaluation: BundleEvaluation, dir: string): Verdict {
  const baseline = evaluation.baselineNaturalTest;
  const natural = evaluation.naturalTest;
  const comparison =
    baseline && natural.label.length > 0 ? compareAuc(natural.probability, baseline.probability, natural.label, { seed: manifest.data.seed }) : null;
  const findings = evaluation.audit?.findings ?? [];
  const caveat = findings.find((f) => f.severity === 'problem') ?? findings.find((f) => f.severity === 'warning') ?? null;
  const next = `rebuy decide --model ${shellWord(dir)} --contact-cost COST --value-per-return VALUE`;
  return { comparison, caveat, next };
}

function shellWord(text: string): string {
  return /^[\w./@:+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`;
}

export function formatVerdict(manifest: Manifest, verdict: Verdict): string {
  const lines: string[] = ['', 'verdict:'];
  const c = verdict.comparison;
  const model = manifest.model.kind === 'network' ? 'the network' : `the chosen ${describeModel(manifest.model)}`;
  if (!c && manifest.model.kind === 'logistic') {
    // The default on a new table (or --model auto/logistic) may choose the baseline itself: nothing simpler is trained beside it.
    lines.push(`  the model is ${describeModel(manifest.model)}, the baseline itself: it is what the network would have to beat`);
  } else if (!c) {
    lines.push(`  no baseline was trained, so nothing says whether ${model} is worth it: train again without --no-baseline`);
  } else {
    const [low, high] = c.interval;
    const how =
      low > 0
        ? `${model} beats the logistic-regression baseline`
        : high < 0
          ? `${model} does worse than the logistic-regression baseline`
          : `${model} does not clearly beat the logistic-regression baseline (the interval includes no difference)`;
    lines.push(
      `  ${how}: ROC-AUC on the natural mix ${c.model.toFixed(3)} against ${c.baseline.toFixed(3)}, a difference of ${signed(c.difference)}`,
      `  (${Math.round(c.level * 100)} % interval ${signed(low)} to ${signed(high)}, paired bootstrap over the same ${c.customers.toLocaleString('en')} test customers).`,
    );
  }
  if (verdict.caveat) {
    const sentence = /^.*?[.!?](?=\s|$)/.exec(verdict.caveat.message)?.[0] ?? verdict.caveat.message;
    lines.push(`  most serious caveat from the audit (${verdict.caveat.severity}): ${sentence}`, '  (all findings: rebuy audit, or the report)');
  }
  lines.push(`next: choose whom to contact: ${verdict.next}`);
  return lines.join('\n');
}

export async function runTrain(flags: TrainFlags): Promise<void> {
  if (flags.treatment !== undefined) return (await import('./uplift.js')).runUpliftTrain({ ...flags, treatment: flags.treatment });
  if (flags.control !== undefined || flags.ignore !== undefined || flags.learners !== undefined) throw usageError('--control, --ignore and --learners go with --treatment');
  if (flags.model !== undefined && flags.model !== 'auto' && flags.model !== 'logistic') throw usageError(`--model takes "auto" or "logistic"; got ${JSON.stringify(flags.model)}`);
  if (flags.model === 'auto' && (flags.preset || networkOverrides(flags))) throw usageError('--model auto chooses the network itself: leave out --preset and the network flags');
  if (flags.model === 'logistic' && (flags.preset || networkOverrides(flags))) throw usageError('--model logistic trains no network: leave out --preset and the network flags');
  if (flags.alias !== undefined && flags.register === undefined) throw usageError('--alias names the alias of the registered version: add --register NAME');
  // A bundle that cannot be saved, or a name the store refuses, is said before the training, not after it.
  const options = toTrainOptions(flags, progressPrinter((line) => process.stderr.write(`${line}\n`)));
  await checkBundleTarget(flags.out);
  const { manifest, dir, report, evaluation, registered } = await trainBundle(options);
  const verdict = trainVerdict(manifest, evaluation, dir);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ model: dir, report, registered, threshold: manifest.threshold, calibration: manifest.calibration, network: manifest.model, baseline: manifest.baseline, data: manifest.data, verdict }, null, 2)}\n`);
  } else {
    const stored = registered ? `registered as ${registered.name}/v${registered.version}${registered.alias ? ` (${registered.name}@${registered.alias} points to it)` : ''} in ${registered.dir}\n` : '';
    process.stdout.write(`${formatTrainResult(manifest, dir)}\n${report ? `report: ${report}\n` : ''}${stored}${formatVerdict(manifest, verdict)}\n`);
  }
}
