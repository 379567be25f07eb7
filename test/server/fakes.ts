/** Stand-ins for the Predictor and scoreFile with the same contracts, for fast route tests. */
import { readFile, writeFile } from 'node:fs/promises';
import type { Manifest } from '../../src/bundle/manifest.js';
import { AUDIOBOOKS_SCHEMA } from '../../src/domain/audiobooks.js';
import { bundleError, inputError, RebuyError } from '../../src/errors.js';
import type { LoadedBundle } from '../../src/bundle/load.js';
import { BACKGROUND_FILE } from '../../src/bundle/layout.js';
import { explainerFor } from '../../src/explain/explainer.js';
import type { Reason } from '../../src/explain/types.js';
import type { CustomerRecord, Predictor, ScoreSummary } from '../../src/predict/types.js';
import type { FeatureColumns } from '../../src/core/table.js';

const FEATURES = AUDIOBOOKS_SCHEMA.features.map((f) => f.name);

export function fakeManifest(overrides: { createdAt?: string; synthetic?: boolean } = {}): Manifest {
  const metrics = {
    n: 400, positives: 200, loss: 0.35, accuracy: 0.82, balancedAccuracy: 0.82, precision: 0.8, recall: 0.84,
    f1: 0.82, rocAuc: 0.9, prAuc: 0.88, brier: 0.12, confusion: [[160, 40], [32, 168]] as [[number, number], [number, number]],
  };
  const history = Array.from({ length: 12 }, (_, i) => ({
    epoch: i + 1, loss: 0.6 / (1 + i * 0.3), accuracy: 0.6 + i * 0.02, valLoss: 0.62 / (1 + i * 0.25), valAccuracy: 0.58 + i * 0.02,
  }));
  return {
    format: 'rebuy-bundle',
    formatVersion: 2,
    createdAt: overrides.createdAt ?? '2025-01-01T00:00:00.000Z',
    packages: { rebuy: '0.1.0' },
    schema: AUDIOBOOKS_SCHEMA,
    features: { numeric: [], categorical: [] },
    featureNames: FEATURES,
    data: {
      fingerprint: 'f', files: ['/secret/path/audiobooks.csv'], synthetic: overrides.synthetic ?? false, rows: 14084, positives: 2237,
      balance: 'random', split: [0.8, 0.1, 0.1], seed: 1, trainRows: 3580, validRows: 447, testRows: 447, naturalTestRows: 1409,
    },
    model: {
      name: '2x50', kind: 'network', derived: false, preset: '2x50', config: { hidden: [50, 50], activation: 'relu', output: 'softmax', learningRate: 0.001, batchSize: 100, maxEpochs: 100, patience: 2, seed: 1 },
      history, bestEpoch: 10, trainSeconds: 3.2, metrics: { balancedTest: metrics, naturalTest: { ...metrics, n: 1409 } },
    },
    baseline: null,
    threshold: 0.5,
    thresholdObjective: { kind: 'balanced' },
    calibration: { method: 'none', slope: 1, intercept: 0 },
    files: {},
  } satisfies Manifest;
}

/** A deterministic score from the numeric features. */
function score(values: number[]): number {
  let z = -1;
  for (let j = 0; j < values.length; j++) z += Math.sin((j + 1) * 0.7 + (values[j] ?? 0) * 0.013);
  return 1 / (1 + Math.exp(-z));
}

function numberOf(value: CustomerRecord[string], field: string): number {
  if (value === null || value === undefined || value === '') return 0;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw inputError('must be a number', { field, value: String(value) });
  return n;
}

export interface FakePredictorOptions {
  hash?: string;
  delayMs?: number;
  synthetic?: boolean;
  explain?: boolean;
}

export interface FakePredictor extends Predictor {
  closed: boolean;
  inFlight: number;
}

export function fakePredictor(options: FakePredictorOptions = {}): FakePredictor {
  const manifest = fakeManifest({ synthetic: options.synthetic });
  const delay = options.delayMs ?? 0;
  const background = { nRows: 2, numeric: Object.fromEntries(FEATURES.map((f, j) => [f, [j, 10 * j]])), categorical: {} };
  const files: Record<string, string> = options.explain ? { [BACKGROUND_FILE]: 'fake' } : {};
  const bundleDir = '/bundles/fake';
  const bundle: LoadedBundle = {
    dir: bundleDir,
    manifest: { ...manifest, files },
    hash: options.hash ?? 'a'.repeat(64),
    async readVerified(name) {
      if (name === BACKGROUND_FILE && options.explain) return Buffer.from(JSON.stringify(background));
      throw bundleError(bundleDir, `the manifest lists no file ${name}`);
    },
  };
  const p: FakePredictor = {
    manifest,
    bundle,
    bundleHash: options.hash ?? 'a'.repeat(64),
    bundleDir: '/bundles/fake',
    threshold: 0.5,
    closed: false,
    inFlight: 0,
    async predictColumns(columns: FeatureColumns) {
      const out = new Float32Array(columns.nRows);
      for (let i = 0; i < columns.nRows; i++) {
        out[i] = score(FEATURES.map((f) => {
          const v = columns.numeric.get(f)?.[i] ?? 0;
          return Number.isNaN(v) ? 0 : v;
        }));
      }
      return out;
    },
    async predictRecords(records: CustomerRecord[]) {
      if (p.closed) throw new Error('predictor used after close');
      p.inFlight++;
      try {
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        if (p.closed) throw new Error('predictor closed while in use');
        const out = new Float32Array(records.length);
        records.forEach((r, i) => {
          out[i] = score(FEATURES.map((f) => numberOf(r[f], `customers[${i}].${f}`)));
        });
        return out;
      } finally {
        p.inFlight--;
      }
    },
    async close() {
      p.closed = true;
    },
  };
  return p;
}

/** A CSV scorer with scoreFile's contract: first column = id, the next 10 = features. */
export async function fakeScoreFile(predictor: Predictor, inputPath: string, outputPath: string): Promise<ScoreSummary> {
  const started = performance.now();
  const text = await readFile(inputPath, 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  const header = lines[0]?.split(',') ?? [];
  if (header.length < 11) throw inputError('expected a header with an id and 10 feature columns', { file: inputPath, line: 1 });
  const ids: string[] = [];
  const probs: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(',');
    if (cells.length !== header.length) throw new RebuyError('MALFORMED', `${inputPath}:${i + 1}: expected ${header.length} fields, found ${cells.length}`, { file: inputPath, line: i + 1 });
    const values = cells.slice(1, 11).map((c, j) => {
      const n = c === '' ? 0 : Number(c);
      if (!Number.isFinite(n)) throw inputError('not a number', { file: inputPath, line: i + 1, column: header[j + 1], value: c });
      return n;
    });
    ids.push(cells[0]!);
    probs.push(Math.fround(score(values)));
  }
  const order = probs.map((_, i) => i).sort((a, b) => probs[b]! - probs[a]!);
  const rank = new Array<number>(probs.length);
  order.forEach((row, r) => (rank[row] = r + 1));
  const out = ['id,probability,label,rank'];
  for (let i = 0; i < ids.length; i++) out.push(`${ids[i]},${probs[i]!.toFixed(6)},${probs[i]! >= predictor.threshold ? 1 : 0},${rank[i]}`);
  await writeFile(outputPath, `${out.join('\n')}\n`);
  return { rows: ids.length, seconds: (performance.now() - started) / 1000, output: outputPath };
}

/** explainTopRows for the fake scorer's files: reasons, through the fake predictor, for the first `rows` ids of the scored file. */
export async function fakeExplainTopRows(predictor: Predictor, _input: string, scored: string, rows: number, top: number): Promise<Map<string, Reason[]>> {
  const lines = (await readFile(scored, 'utf8')).trim().split('\n').slice(1);
  const ranked = lines.map((l) => l.split(',')).sort((a, b) => Number(a[3]) - Number(b[3])).slice(0, rows);
  const records = ranked.map(() => Object.fromEntries(FEATURES.map((f) => [f, 1])));
  const reasons = await explainerFor(predictor).explain(records, top);
  return new Map(ranked.map((r, i) => [r[0]!, reasons[i]!]));
}
