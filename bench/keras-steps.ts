/**
 * Writes test/fixtures/keras-steps.json: a small made-up problem, and Keras' loss per epoch and final
 * weights when it trains the 2x50 preset's network from rebuy's initial weights over rebuy's epoch orders
 * (bench/reference/keras_steps.py), so that test/model/mlp.test.ts checks rebuy's training loop against
 * Keras without Python. Run again after changing the training draws or maths:
 *   sh scripts/bench-python-env.sh && npm run build && node dist/bench/keras-steps.js
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRng } from '../src/core/random.js';
import { trainingDraws } from '../src/model/mlp.js';
import { resolveNetworkConfig } from '../src/model/presets.js';
import { packageRoot } from '../src/paths.js';
import { BENCH_PYTHON } from './common.js';

const COLS = 4;
const EPOCHS = 8;
const FIXTURE = join(packageRoot(), 'test', 'fixtures', 'keras-steps.json');

/** Two overlapping Gaussian blobs; `rows` is not a multiple of the batch size, so each epoch ends on a partial batch. */
function blobs(rows: number, seed: number): { x: number[]; y: number[] } {
  const random = createRng(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const y = Array.from({ length: rows }, (_, i) => i % 2);
  const x = Array.from(Float32Array.from({ length: rows * COLS }, (_, k) => normal() + (y[Math.floor(k / COLS)] ? 0.5 : -0.5)));
  return { x, y };
}

function runPython(script: string, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(BENCH_PYTHON, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${script} exited with ${code}`))));
    child.stdin.end(input);
  });
}

const config = resolveNetworkConfig('2x50', { maxEpochs: EPOCHS, patience: EPOCHS, seed: 5 });
const train = blobs(230, 1);
const valid = blobs(90, 2);
const draws = trainingDraws(COLS, train.y.length, config);
const orders = Array.from({ length: EPOCHS }, () => [...draws.nextOrder()]);
const spec = {
  cols: COLS,
  hidden: config.hidden,
  batchSize: config.batchSize,
  learningRate: config.learningRate,
  train,
  valid,
  initial: draws.initial.layers.flatMap((l) => [[...l.kernel], [...l.bias]]),
  orders,
};
const keras = JSON.parse(await runPython(join(packageRoot(), 'bench', 'reference', 'keras_steps.py'), JSON.stringify(spec))) as { weights: number[][] };
// Seven significant digits: float32 holds about that many, and the test allows more than that.
keras.weights = keras.weights.map((w) => w.map((v) => Number(v.toPrecision(7))));
await writeFile(FIXTURE, JSON.stringify({ config, train, valid, keras }) + '\n');
process.stderr.write(`wrote ${FIXTURE}\n`);
