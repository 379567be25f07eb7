/** A stand-in for the Predictor with the same contract, for fast route tests (scoring itself is real). */
import type { Manifest } from '../../src/bundle/manifest.js';
import { AUDIOBOOKS_SCHEMA } from '../../src/domain/audiobooks.js';
import { bundleError, inputError } from '../../src/errors.js';
import type { LoadedBundle } from '../../src/bundle/load.js';
import { BACKGROUND_FILE } from '../../src/bundle/layout.js';
import type { CustomerRecord, Predictor } from '../../src/predict/types.js';
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

/**
 * A latch a test holds shut: requests wait at it, the test learns when they have arrived, then
 * lets them through. An explicit signal instead of sleeping and hoping a request got there.
 */
export interface Gate {
  /** Called by the code under test: counts the arrival, then waits until the gate opens. */
  pass(): Promise<void>;
  /** Resolves once `n` callers have arrived. */
  arrived(n: number): Promise<void>;
  open(): void;
}

export function createGate(): Gate {
  let count = 0;
  let open = (): void => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const waiting: { n: number; resolve: () => void }[] = [];
  return {
    async pass() {
      count++;
      for (const w of waiting.filter((w) => w.n <= count)) w.resolve();
      await opened;
    },
    arrived(n) {
      return count >= n ? Promise.resolve() : new Promise((resolve) => waiting.push({ n, resolve }));
    },
    open: () => open(),
  };
}

export interface FakePredictorOptions {
  hash?: string;
  delayMs?: number;
  /** predictRecords waits at this gate. */
  gate?: Gate;
  synthetic?: boolean;
  explain?: boolean;
}

export interface FakePredictor extends Predictor {
  closed: boolean;
  inFlight: number;
  /** Rows scored through predictColumns (explanations score there). */
  columnRows: number;
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
    columnRows: 0,
    async predictColumns(columns: FeatureColumns) {
      p.columnRows += columns.nRows;
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
        await options.gate?.pass();
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
