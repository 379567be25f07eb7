/** Reads a bundle's evaluation.json: untyped JSON in, a checked BundleEvaluation out. */
import type { BundleEvaluation } from '../bundle/evaluation.js';
import type { ScoredPart } from '../evaluate/curves.js';
import { bundleError } from '../errors.js';

import { EVALUATION_FILE } from '../bundle/layout.js';

type Check = (value: unknown, path: string) => string | null;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const scoredPart: Check = (v, path) => {
  if (!isObject(v)) return `${path} is not an object`;
  const { probability, label } = v;
  if (!Array.isArray(probability) || !Array.isArray(label)) return `${path} needs "probability" and "label" arrays`;
  if (probability.length !== label.length) return `${path}: ${probability.length} probabilities but ${label.length} labels`;
  const badP = probability.findIndex((p) => typeof p !== 'number' || !(p >= 0 && p <= 1));
  if (badP >= 0) return `${path}.probability[${badP}] is not a probability in [0, 1]`;
  const badY = label.findIndex((y) => y !== 0 && y !== 1);
  if (badY >= 0) return `${path}.label[${badY}] is not 0 or 1`;
  return null;
};

const nullable = (check: Check): Check => (v, path) => (v === null || v === undefined ? null : check(v, path));

const importance: Check = (v, path) => {
  if (!Array.isArray(v)) return `${path} is not an array`;
  const bad = v.findIndex(
    (f) => !isObject(f) || typeof f.feature !== 'string' || !['meanDrop', 'lower', 'upper'].every((k) => typeof f[k] === 'number'),
  );
  return bad >= 0 ? `${path}[${bad}] needs a feature name and numbers meanDrop, lower, upper` : null;
};

const isInterval = (v: unknown): boolean => isObject(v) && ['mean', 'lower', 'upper'].every((k) => typeof v[k] === 'number' || v[k] === null);

const leaderboardRow = (row: unknown): boolean =>
  isObject(row) &&
  typeof row.candidate === 'string' &&
  typeof row.medianTrainSeconds === 'number' &&
  isObject(row.metrics) &&
  Object.values(row.metrics).every(isInterval) &&
  (row.vsLeader === null || (isObject(row.vsLeader) && typeof row.vsLeader.significant === 'boolean'));

const leaderboard: Check = (v, path) => {
  if (!isObject(v) || !Array.isArray(v.rows) || typeof v.rankBy !== 'string' || typeof v.plans !== 'number') return `${path} is not a leaderboard`;
  const bad = v.rows.findIndex((r) => !leaderboardRow(r));
  return bad >= 0 ? `${path}.rows[${bad}] needs a candidate, metric intervals, a comparison with the leader and a training time` : null;
};

const money: Check = (v, path) =>
  isObject(v) && typeof v.contactCost === 'number' && typeof v.valuePerReturn === 'number' && v.valuePerReturn > 0 && v.contactCost >= 0
    ? null
    : `${path} needs contactCost >= 0 and valuePerReturn > 0`;

const FIELDS: Record<string, Check> = {
  naturalTest: scoredPart,
  balancedTest: scoredPart,
  naturalTestUncalibrated: scoredPart,
  baselineNaturalTest: nullable(scoredPart),
  importance: nullable(importance),
  leaderboard: nullable(leaderboard),
  money: nullable(money),
};

/** Parses and checks evaluation.json; a bad file is a BUNDLE_INVALID error naming the field. */
export function parseEvaluation(text: string, dir: string): BundleEvaluation {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw bundleError(dir, `${EVALUATION_FILE} is not valid JSON`, err);
  }
  if (!isObject(parsed)) throw bundleError(dir, `${EVALUATION_FILE} is not a JSON object`);
  for (const [field, check] of Object.entries(FIELDS)) {
    const problem = check(parsed[field], field);
    if (problem) throw bundleError(dir, `${EVALUATION_FILE}: ${problem}`);
  }
  const e = parsed as unknown as BundleEvaluation;
  const part = (p: ScoredPart | null | undefined): ScoredPart | null => p ?? null;
  return {
    naturalTest: e.naturalTest,
    balancedTest: e.balancedTest,
    baselineNaturalTest: part(e.baselineNaturalTest),
    naturalTestUncalibrated: e.naturalTestUncalibrated,
    importance: e.importance ?? null,
    audit: e.audit ?? null,
    leaderboard: e.leaderboard ?? null,
    money: e.money ?? null,
  };
}
