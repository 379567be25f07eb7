/**
 * Uplift on Hillstrom's e-mail test: the women's e-mail against no e-mail, outcome `visit`, 5 folds
 * stratified by arm and outcome. On the same folds: rebuy's default (the spec chosen by
 * cross-validation on each fold's training part), the two-model logistic baseline, and the plain
 * response model. Qini coefficient and uplift in the top 30 %: mean over folds with a t interval,
 * and the per-fold difference to the baseline. `npm run bench:uplift [-- FOLDS]`.
 */
import { join } from 'node:path';
import { readTable } from '../src/data/read.js';
import { meanInterval } from '../src/evaluate/stats.js';
import { qiniCoefficient, upliftAtK } from '../src/evaluate/uplift.js';
import { createRng } from '../src/core/random.js';
import { keepGroups, readExperiment } from '../src/train/uplift-data.js';
import {
  fitUpliftOn,
  responseScores,
  scoreUpliftRows,
  selectUplift,
  treatmentSample,
  TWO_MODEL_LOGISTIC,
  upliftFolds,
} from '../src/train/uplift.js';
import { UPLIFT_SELECTION_FOLDS } from '../src/config.js';

const DATA = join(process.cwd(), '..', 'shared', 'data', 'hillstrom.csv');
const FOLDS = Number(process.argv[2] ?? 5);
const SEED = 0;
const log = (line: string): boolean => process.stderr.write(`${line}\n`);

const whole = await readTable(DATA, { target: 'visit' });
const table = keepGroups(whole, 'segment', ['Womens E-Mail', 'No E-Mail']);
const experiment = readExperiment(table, { treatment: 'segment', control: 'No E-Mail', ignore: ['conversion', 'spend'] });
log(`hillstrom: ${table.nRows} customers, women's e-mail vs none, outcome visit, ${FOLDS} folds`);

type Ranking = 'rebuy' | 'baseline' | 'response';
const rankings: Ranking[] = ['rebuy', 'baseline', 'response'];
const qini: Record<Ranking, number[]> = { rebuy: [], baseline: [], response: [] };
const top30: Record<Ranking, number[]> = { rebuy: [], baseline: [], response: [] };
const chosen: string[] = [];
const everyRow = Int32Array.from({ length: table.nRows }, (_, i) => i);
for (const [f, fold] of upliftFolds(experiment, everyRow, FOLDS, createRng(SEED)).entries()) {
  const selection = await selectUplift(experiment, fold.train, {
    folds: UPLIFT_SELECTION_FOLDS,
    seed: SEED + f,
    onProgress: (done, total, spec, inner, q) => log(`  fold ${f + 1} selection [${done}/${total}] ${spec.name} inner fold ${inner + 1}: Qini ${q.toFixed(4)}`),
  });
  chosen.push(selection.chosen.name);
  const scores: Record<Ranking, ArrayLike<number>> = {
    rebuy: (await scoreUpliftRows(await fitUpliftOn(experiment, fold.train, selection.chosen, SEED + f), table, fold.test)).uplift[0]!,
    baseline: (await scoreUpliftRows(await fitUpliftOn(experiment, fold.train, TWO_MODEL_LOGISTIC, SEED + f), table, fold.test)).uplift[0]!,
    response: await responseScores(experiment, fold.train, fold.test, SEED + f),
  };
  for (const r of rankings) {
    const sample = treatmentSample(experiment, fold.test, 1, scores[r]);
    qini[r].push(qiniCoefficient(sample));
    top30[r].push(upliftAtK(sample, 0.3));
  }
  log(`fold ${f + 1}: chose ${selection.chosen.name}; Qini rebuy ${qini.rebuy[f]!.toFixed(4)}, baseline ${qini.baseline[f]!.toFixed(4)}, response ${qini.response[f]!.toFixed(4)}`);
}

const show = (values: number[], digits = 4): string => {
  const m = meanInterval(values);
  return `${m.mean.toFixed(digits)} [${m.lower.toFixed(digits)}, ${m.upper.toFixed(digits)}]`;
};
const minus = (a: number[], b: number[]): number[] => a.map((v, i) => v - b[i]!);
const lines = [
  `Hillstrom, women's e-mail vs no e-mail, outcome visit: ${table.nRows} customers, ${FOLDS} stratified folds (mean over folds, 95 % t interval)`,
  `rebuy's choice per fold: ${chosen.join(', ')}`,
  '',
  'ranking                     Qini coefficient              uplift in top 30 %',
  ...rankings.map((r) => `${r.padEnd(27)} ${show(qini[r]).padEnd(30)} ${show(top30[r])}`),
  `${'rebuy − baseline'.padEnd(27)} ${show(minus(qini.rebuy, qini.baseline)).padEnd(30)} ${show(minus(top30.rebuy, top30.baseline))}`,
  `${'rebuy − response model'.padEnd(27)} ${show(minus(qini.rebuy, qini.response)).padEnd(30)} ${show(minus(top30.rebuy, top30.response))}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
