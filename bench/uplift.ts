/**
 * Uplift on Hillstrom's e-mail test: the women's e-mail against no e-mail, outcome `visit`, 5 folds
 * stratified by arm and outcome. On the same folds: rebuy's default (the spec chosen by
 * cross-validation on each fold's training part), the two-model logistic baseline, and the plain
 * response model. Qini coefficient and uplift in the top 30 %: mean over folds with a t interval,
 * and the per-fold difference to the baseline. `npm run bench:uplift [-- FOLDS [ONLY]]`: ONLY (e.g. `1,2`)
 * runs some folds, so a loaded machine can run them side by side; each fold's figures go to stdout as
 * one JSON line (`fold {...}`), and `npm run bench:uplift -- combine FILE…` makes the table from such lines.
 * `npm run bench:uplift -- FOLDS ONLY default-learner` measures the default learner (the first
 * candidate) without the choice by cross-validation: 40 fits fewer per fold.
 */
import { readFile } from 'node:fs/promises';
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
  upliftCandidates,
  upliftFolds,
} from '../src/train/uplift.js';
import { UPLIFT_SELECTION_FOLDS } from '../src/config.js';

const DATA = join(process.cwd(), '..', 'shared', 'data', 'hillstrom.csv');
const SEED = 0;
const log = (line: string): boolean => process.stderr.write(`${line}\n`);

type Ranking = 'rebuy' | 'baseline' | 'response';
const rankings: Ranking[] = ['rebuy', 'baseline', 'response'];
/** One outer fold's figures; rebuy's training = choice by cross-validation, then the fit. */
interface FoldResult {
  fold: number;
  chosen: string;
  qini: Record<Ranking, number>;
  top30: Record<Ranking, number>;
  trainWall: number;
  trainCpu: number;
}

async function runFolds(folds: number, only: Set<number> | null, choose: boolean): Promise<FoldResult[]> {
  const whole = await readTable(DATA, { target: 'visit' });
  const table = keepGroups(whole, 'segment', ['Womens E-Mail', 'No E-Mail']);
  const experiment = readExperiment(table, { treatment: 'segment', control: 'No E-Mail', ignore: ['conversion', 'spend'] });
  log(`hillstrom: ${table.nRows} customers, women's e-mail vs none, outcome visit, ${folds} folds`);
  const results: FoldResult[] = [];
  const everyRow = Int32Array.from({ length: table.nRows }, (_, i) => i);
  for (const [f, fold] of upliftFolds(experiment, everyRow, folds, createRng(SEED)).entries()) {
    if (only && !only.has(f + 1)) continue;
    const wallStart = performance.now();
    const cpuStart = process.cpuUsage();
    const selection = choose
      ? await selectUplift(experiment, fold.train, {
          folds: UPLIFT_SELECTION_FOLDS,
          seed: SEED + f,
          onProgress: (done, total, spec, inner, q) => log(`  fold ${f + 1} selection [${done}/${total}] ${spec.name} inner fold ${inner + 1}: Qini ${q.toFixed(4)}`),
        })
      : { chosen: upliftCandidates()[0]! };
    const rebuyModel = await fitUpliftOn(experiment, fold.train, selection.chosen, SEED + f);
    const cpu = process.cpuUsage(cpuStart);
    const trainWall = (performance.now() - wallStart) / 1000;
    const scores: Record<Ranking, ArrayLike<number>> = {
      rebuy: (await scoreUpliftRows(rebuyModel, table, fold.test)).uplift[0]!,
      baseline: (await scoreUpliftRows(await fitUpliftOn(experiment, fold.train, TWO_MODEL_LOGISTIC, SEED + f), table, fold.test)).uplift[0]!,
      response: await responseScores(experiment, fold.train, fold.test, SEED + f),
    };
    const qini = {} as Record<Ranking, number>;
    const top30 = {} as Record<Ranking, number>;
    for (const r of rankings) {
      const sample = treatmentSample(experiment, fold.test, 1, scores[r]);
      qini[r] = qiniCoefficient(sample);
      top30[r] = upliftAtK(sample, 0.3);
    }
    const result = { fold: f + 1, chosen: selection.chosen.name, qini, top30, trainWall, trainCpu: (cpu.user + cpu.system) / 1e6 };
    process.stdout.write(`fold ${JSON.stringify(result)}\n`);
    log(`fold ${f + 1}: chose ${result.chosen}; Qini rebuy ${qini.rebuy.toFixed(4)}, baseline ${qini.baseline.toFixed(4)}, response ${qini.response.toFixed(4)}`);
    results.push(result);
  }
  return results;
}

async function readFolds(files: string[]): Promise<FoldResult[]> {
  const lines = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).flatMap((text) => text.split('\n'));
  return lines.filter((l) => l.startsWith('fold {')).map((l) => JSON.parse(l.slice(5)) as FoldResult).sort((a, b) => a.fold - b.fold);
}

const show = (values: number[], digits = 4): string => {
  const m = meanInterval(values);
  return `${m.mean.toFixed(digits)} [${m.lower.toFixed(digits)}, ${m.upper.toFixed(digits)}]`;
};
const minus = (a: number[], b: number[]): number[] => a.map((v, i) => v - b[i]!);

const combine = process.argv[2] === 'combine';
const only = process.argv[3] && process.argv[3] !== 'all' ? new Set(process.argv[3].split(',').map(Number)) : null;
const results = combine ? await readFolds(process.argv.slice(3)) : await runFolds(Number(process.argv[2] ?? 5), only, process.argv[4] !== 'default-learner');
const qini = (r: Ranking) => results.map((f) => f.qini[r]);
const top30 = (r: Ranking) => results.map((f) => f.top30[r]);
const lines = [
  `Hillstrom, women's e-mail vs no e-mail, outcome visit: folds ${results.map((f) => f.fold).join(', ')} of stratified folds (mean over folds, 95 % t interval)`,
  `rebuy's choice per fold: ${results.map((f) => f.chosen).join(', ')}`,
  `rebuy's training per fold (choice by ${UPLIFT_SELECTION_FOLDS}-fold cross-validation unless default-learner, then the fit): wall ${show(results.map((f) => f.trainWall), 1)} s, CPU ${show(results.map((f) => f.trainCpu), 1)} s`,
  '',
  'ranking                     Qini coefficient              uplift in top 30 %',
  ...rankings.map((r) => `${r.padEnd(27)} ${show(qini(r)).padEnd(30)} ${show(top30(r))}`),
  `${'rebuy − baseline'.padEnd(27)} ${show(minus(qini('rebuy'), qini('baseline'))).padEnd(30)} ${show(minus(top30('rebuy'), top30('baseline')))}`,
  `${'rebuy − response model'.padEnd(27)} ${show(minus(qini('rebuy'), qini('response'))).padEnd(30)} ${show(minus(top30('rebuy'), top30('response')))}`,
];
process.stdout.write(`${lines.join('\n')}\n`);
