/**
 * Which uplift learner to make the default, decided on data other than the Hillstrom bench: synthetic
 * e-mail tests shaped like Hillstrom (columns, arm sizes, a 10 % base rate and a ~4-point average
 * effect) whose true effect per customer is known, so each ranking is scored without outcome noise on
 * a large fresh sample. Three effect shapes, so no learner wins by the shape alone: `linear` (the effect
 * linear on the logit scale, logistic learners' home ground), `steps` (thresholds in recency and
 * spend) and `constant` (one logit shift for everyone: the effect varies only through the base rate).
 *
 *   true Qini    area between the cumulative true effect of the ranking and random targeting, over the
 *                same area for the perfect ranking (1 = perfect, 0 = random)
 *   top 30 %     mean true effect of the top 30 % by score, in points
 *
 * Means over R training samples per shape with 95 % t intervals, and each learner minus the two-model
 * logistic baseline paired on the same samples. `npm run bench:uplift-synthetic [-- R [SHAPES [NAMES]]]` (comma lists; SHAPES `all` for every shape).
 */
import { createRng, type Rng } from '../src/core/random.js';
import type { Table } from '../src/core/table.js';
import { meanInterval } from '../src/evaluate/stats.js';
import { ensembleOf, type UpliftSpec } from '../src/model/uplift.js';
import { readExperiment } from '../src/train/uplift-data.js';
import { fitUpliftOn, INTERACTIONS_LOGISTIC, scoreUpliftRows, TWO_MODEL_LOGISTIC, upliftCandidates, type FittedUpliftModel } from '../src/train/uplift.js';

const REPLICATES = Number(process.argv[2] ?? 3);
const TRAIN_ROWS = 34_000;
const TEST_ROWS = 40_000;
const log = (line: string): boolean => process.stderr.write(`${line}\n`);

type Shape = 'linear' | 'steps' | 'constant';
const SHAPES: Shape[] = process.argv[3] && process.argv[3] !== 'all' ? (process.argv[3].split(',') as Shape[]) : ['linear', 'steps', 'constant'];

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
const pick = <T>(rng: Rng, values: readonly T[], weights: readonly number[]): T => {
  let u = rng();
  for (const [i, w] of weights.entries()) if ((u -= w) < 0) return values[i]!;
  return values[values.length - 1]!;
};
/** A standard normal draw (Box–Muller). */
const normal = (rng: Rng): number => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());

/** A randomized e-mail test: half mailed; the outcome drawn from the shape's probabilities. */
function emailTest(shape: Shape, n: number, seed: number): { table: Table; effect: Float64Array } {
  const rng = createRng(seed);
  const numeric = { recency: new Float64Array(n), history: new Float64Array(n), mens: new Float64Array(n), womens: new Float64Array(n), newbie: new Float64Array(n) };
  const zip: string[] = [];
  const channel: string[] = [];
  const group: string[] = [];
  const target = new Uint8Array(n);
  const effect = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const recency = 1 + Math.floor(rng() * 12);
    const history = Math.min(3500, 30 + Math.exp(4.7 + 0.9 * normal(rng)));
    const womens = rng() < 0.55 ? 1 : 0;
    const mens = womens === 0 || rng() < 0.2 ? 1 : 0;
    const newbie = rng() < 0.5 ? 1 : 0;
    const z = pick(rng, ['Urban', 'Surburban', 'Rural'], [0.4, 0.45, 0.15]);
    const c = pick(rng, ['Phone', 'Web', 'Multichannel'], [0.44, 0.44, 0.12]);
    Object.entries({ recency, history, mens, womens, newbie }).forEach(([k, v]) => (numeric[k as keyof typeof numeric][i] = v));
    zip.push(z);
    channel.push(c);
    const spend = Math.log(history / 150);
    const base = -2.25 - 0.08 * (recency - 6) + 0.25 * spend + 0.2 * womens + 0.15 * mens - 0.3 * newbie + (z === 'Rural' ? 0.3 : 0) + (c === 'Web' ? 0.1 : 0);
    const shift =
      shape === 'linear'
        ? 0.3 + 0.35 * womens - 0.04 * (recency - 6) + 0.15 * spend - 0.15 * newbie
        : shape === 'steps'
          ? 0.15 + (recency <= 3 ? 0.4 : 0) + (history > 400 ? 0.35 : 0) + (womens === 1 && c !== 'Phone' ? 0.25 : 0)
          : 0.45;
    const p0 = sigmoid(base);
    const p1 = sigmoid(base + shift);
    effect[i] = p1 - p0;
    const mailed = rng() < 0.5;
    group.push(mailed ? 'mail' : 'none');
    target[i] = rng() < (mailed ? p1 : p0) ? 1 : 0;
  }
  const table: Table = {
    source: `synthetic-${shape}.csv`,
    schema: {
      name: 'custom',
      id: null,
      target: 'visit',
      features: [
        ...Object.keys(numeric).map((name) => ({ name, kind: 'numeric' as const })),
        { name: 'zip_code', kind: 'categorical' },
        { name: 'channel', kind: 'categorical' },
        { name: 'segment', kind: 'categorical' },
      ],
    },
    nRows: n,
    ids: Array.from({ length: n }, (_, i) => String(i + 1)),
    target,
    numeric: new Map(Object.entries(numeric)),
    categorical: new Map([
      ['zip_code', zip],
      ['channel', channel],
      ['segment', group],
    ]),
    firstDataLine: 2,
  };
  return { table, effect };
}

/** Area between the ranking's cumulative true effect and random targeting, over the perfect ranking's. */
function trueQini(score: ArrayLike<number>, effect: Float64Array): number {
  const area = (order: number[]): number => {
    const average = effect.reduce((a, b) => a + b, 0) / effect.length;
    let gain = 0;
    let sum = 0;
    order.forEach((i, k) => {
      gain += effect[i]!;
      sum += gain - (k + 1) * average;
    });
    return sum;
  };
  const rows = Array.from({ length: effect.length }, (_, i) => i);
  return area([...rows].sort((a, b) => score[b]! - score[a]!)) / area([...rows].sort((a, b) => effect[b]! - effect[a]!));
}

function topEffect(score: ArrayLike<number>, effect: Float64Array, share: number): number {
  const order = Array.from({ length: effect.length }, (_, i) => i).sort((a, b) => score[b]! - score[a]!);
  const k = Math.round(share * effect.length);
  return (100 * order.slice(0, k).reduce((s, i) => s + effect[i]!, 0)) / k;
}

const all = upliftCandidates();
type Single = Exclude<UpliftSpec, { approach: 'ensemble' }>;
const members = all.filter((s): s is Single => s.approach !== 'ensemble');
const networks = members.filter((s) => s.approach !== 'interactions' && s.learner.kind === 'network');
const replicated = networks.flatMap((s) => [1, 2].map((k): UpliftSpec => ({ ...(s as Extract<UpliftSpec, { replicate?: number }>), name: `${s.name}#${k}`, replicate: k })));
/** Designs that are not candidates: the preprocessing and the R-learner tried for the default. */
const designs: UpliftSpec[] = [
  { ...INTERACTIONS_LOGISTIC, name: 'interactions·logistic, raw inputs', logTails: false },
  { name: 'interactions·logistic (penalty by Qini)', approach: 'interactions', learner: { kind: 'logistic' }, penaltyByQini: true, logTails: true },
  { name: 'r-learner·logistic, raw inputs', approach: 'r-learner', learner: { kind: 'logistic' } },
];
/** `npm run bench:uplift-synthetic -- R SHAPES NAMES`: NAMES (a comma list) fits those learners only, beside the baseline. */
const picked = process.argv[4] ? new Set(process.argv[4].split(',')) : null;
const wanted = (s: UpliftSpec) => s === TWO_MODEL_LOGISTIC || !picked || picked.has(s.name);
const singles: UpliftSpec[] = [TWO_MODEL_LOGISTIC, ...members, ...replicated, ...designs].filter(wanted);
const ensembles: UpliftSpec[] = all.filter((s) => s.approach === 'ensemble' && s.members.every(wanted) && wanted(s));
const extra: { name: string; members: UpliftSpec[] }[] = [
  { name: 'average of the six (before)', members: members.filter((s) => s.approach !== 'interactions' && s.approach !== 'r-learner') },
  { name: 'average of all, networks ×3', members: [...members, ...replicated] },
  { name: 'average of all seven', members },
].filter((e) => e.members.every(wanted) && (!picked || picked.has(e.name)));
const shown = [...singles.filter((s) => !replicated.includes(s)), ...ensembles, ...extra.map((e) => ({ name: e.name }))].map((s) => s.name);

const results = new Map<string, Record<Shape, { qini: number[]; top30: number[] }>>();
const record = (name: string, shape: Shape, qini: number, top30: number) => {
  if (!results.has(name)) results.set(name, { linear: { qini: [], top30: [] }, steps: { qini: [], top30: [] }, constant: { qini: [], top30: [] } });
  results.get(name)![shape].qini.push(qini);
  results.get(name)![shape].top30.push(top30);
};
const seconds = new Map<string, number[]>();

for (const shape of SHAPES) {
  const fresh = emailTest(shape, TEST_ROWS, 1_000_003);
  for (let r = 0; r < REPLICATES; r++) {
    const sample = emailTest(shape, TRAIN_ROWS, 1000 * ['linear', 'steps', 'constant'].indexOf(shape) + r);
    const experiment = readExperiment(sample.table, { treatment: 'segment', control: 'none' });
    const freshExperiment = readExperiment(fresh.table, { treatment: 'segment', control: 'none' });
    const rows = Int32Array.from({ length: TRAIN_ROWS }, (_, i) => i);
    const testRows = Int32Array.from({ length: TEST_ROWS }, (_, i) => i);
    const fitted = new Map<string, FittedUpliftModel>();
    const evaluate = async (name: string, model: FittedUpliftModel) => {
      const uplift = (await scoreUpliftRows(model, freshExperiment.table, testRows)).uplift[0]!;
      record(name, shape, trueQini(uplift, fresh.effect), topEffect(uplift, fresh.effect, 0.3));
    };
    for (const spec of singles) {
      const started = process.cpuUsage();
      const model = await fitUpliftOn(experiment, rows, spec, r);
      const used = process.cpuUsage(started);
      seconds.set(spec.name, [...(seconds.get(spec.name) ?? []), (used.user + used.system) / 1e6]);
      fitted.set(spec.name, model);
      await evaluate(spec.name, model);
    }
    for (const e of [...ensembles.map((s) => ({ name: s.name, members: (s as Extract<UpliftSpec, { members: UpliftSpec[] }>).members })), ...extra]) {
      const members = e.members.map((m) => fitted.get(m.name)!);
      await evaluate(e.name, { features: members[0]!.features, fitted: ensembleOf({ name: e.name, approach: 'ensemble', members: e.members }, members[0]!.features, members.map((m) => m.fitted)) });
    }
    const q = (name: string) => results.get(name)![shape].qini[r]!.toFixed(3);
    log(`${shape} sample ${r + 1}: true Qini baseline ${q(TWO_MODEL_LOGISTIC.name)}, ${shown.slice(1).map((n) => `${n} ${q(n)}`).join(', ')}`);
  }
}

const show = (values: number[], digits: number): string => {
  const m = meanInterval(values);
  return values.length > 1 ? `${m.mean.toFixed(digits)} [${m.lower.toFixed(digits)}, ${m.upper.toFixed(digits)}]` : m.mean.toFixed(digits);
};
const minus = (a: number[], b: number[]): number[] => a.map((v, i) => v - b[i]!);
const lines = [`Synthetic e-mail tests shaped like Hillstrom: ${TRAIN_ROWS} training customers, ${REPLICATES} samples per shape, scored on ${TEST_ROWS} fresh customers with their true effects`];
for (const shape of SHAPES) {
  const base = results.get(TWO_MODEL_LOGISTIC.name)![shape];
  lines.push('', `effect shape: ${shape}`, `${'learner'.padEnd(36)} ${'true Qini'.padEnd(24)} ${'− baseline'.padEnd(28)} ${'top 30 % (pts)'.padEnd(22)} − baseline`);
  for (const name of shown) {
    const m = results.get(name)![shape];
    lines.push(`${name.padEnd(36)} ${show(m.qini, 3).padEnd(24)} ${show(minus(m.qini, base.qini), 4).padEnd(28)} ${show(m.top30, 2).padEnd(22)} ${show(minus(m.top30, base.top30), 2)}`);
  }
}
lines.push('', 'CPU seconds per fit (median over samples): ' + [...seconds].filter(([n]) => !n.includes('#')).map(([n, s]) => `${n} ${[...s].sort((a, b) => a - b)[Math.floor(s.length / 2)]!.toFixed(1)}`).join(', '));
process.stdout.write(`${lines.join('\n')}\n`);
