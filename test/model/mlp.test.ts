import { beforeAll, describe, expect, it } from 'vitest';
import type { Scalar, Tensor2D } from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { trainingDraws, trainNetwork, type LabelledMatrix } from '../../src/model/mlp.js';
import { networkLossAndGradients, predictNetworkTf } from '../helpers/network.js';
import type { NetworkConfig, NetworkWeights } from '../../src/model/network.js';
import { resolveNetworkConfig } from '../../src/model/presets.js';
import { initTraining, type Tf } from '../../src/model/tf.js';
import { createRng } from '../../src/core/random.js';
import { isRebuyError } from '../../src/errors.js';

let tf: Tf;
beforeAll(async () => {
  tf = await initTraining();
});

/** Two Gaussian blobs in `dims` dimensions, centres `gap` apart on every axis; labels alternate. */
function blobs(n: number, dims: number, gap: number, seed: number): LabelledMatrix {
  const rng = createRng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const data = new Float32Array(n * dims);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    for (let j = 0; j < dims; j++) data[i * dims + j] = normal() + (y[i] ? gap / 2 : -gap / 2);
  }
  return { x: { data, rows: n, cols: dims }, y };
}

/** Mean cross-entropy of class-1 probabilities against labels. */
function crossEntropy(p: Float32Array, y: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum -= Math.log(y[i] ? p[i]! : 1 - p[i]!);
  return sum / y.length;
}

function accuracy(p: Float32Array, y: Uint8Array): number {
  let correct = 0;
  for (let i = 0; i < y.length; i++) if ((p[i]! > 0.5 ? 1 : 0) === y[i]) correct++;
  return correct / y.length;
}

const small = (overrides: Partial<NetworkConfig> = {}): NetworkConfig =>
  resolveNetworkConfig('2x10', { maxEpochs: 30, batchSize: 32, ...overrides });

describe('trainNetwork', () => {
  it('learns a separable problem', async () => {
    const train = blobs(400, 4, 3, 1);
    const valid = blobs(200, 4, 3, 2);
    const result = await trainNetwork(train, valid, small({ learningRate: 0.01 }));
    const best = result.history[result.bestEpoch - 1]!;
    expect(best.valAccuracy).toBeGreaterThan(0.97);
    expect(result.history[0]!.loss).toBeGreaterThan(best.loss);
    expect(accuracy(await predictNetworkTf(result.weights, valid.x), valid.y)).toBeGreaterThan(0.97);
    expect(result.weights.layers.map((l) => [l.inputs, l.units, l.activation])).toEqual([
      [4, 10, 'relu'],
      [10, 10, 'relu'],
      [10, 2, 'softmax'],
    ]);
    expect(result.seconds).toBeGreaterThan(0);
  });

  it("stops `patience` epochs after the lowest validation loss and keeps the last epoch's weights, as Keras' EarlyStopping", async () => {
    // Few noisy rows, a wide network and a high learning rate: it overfits, so validation loss turns up.
    const train = blobs(60, 8, 0.6, 3);
    const valid = blobs(300, 8, 0.6, 4);
    const seen: number[] = [];
    const config = resolveNetworkConfig('2x50', { learningRate: 0.02, batchSize: 10, patience: 3 });
    const result = await trainNetwork(train, valid, config, (r) => seen.push(r.epoch));
    const { history, bestEpoch } = result;
    expect(seen).toEqual(history.map((r) => r.epoch));
    expect(history.length).toBeLessThan(100);
    expect(bestEpoch).toBe(history.length);
    const lowest = Math.min(...history.map((r) => r.valLoss));
    expect(history.findIndex((r) => r.valLoss === lowest) + 1).toBe(history.length - 3);

    const kept = crossEntropy(await predictNetworkTf(result.weights, valid.x), valid.y);
    const lastLoss = history[history.length - 1]!.valLoss;
    expect(Math.abs(kept - lastLoss) / lastLoss).toBeLessThan(1e-3);
    expect(Math.abs(kept - lastLoss)).toBeLessThan((kept - lowest) / 10);
  });

  it('with restoreBest, keeps the weights of the epoch with the lowest validation loss, on the same path', async () => {
    const train = blobs(60, 8, 0.6, 3);
    const valid = blobs(300, 8, 0.6, 4);
    const config = resolveNetworkConfig('2x50', { learningRate: 0.02, batchSize: 10, patience: 3 });
    const last = await trainNetwork(train, valid, config);
    const result = await trainNetwork(train, valid, { ...config, restoreBest: true });
    const { history, bestEpoch } = result;
    expect(history).toEqual(last.history);
    expect(history.length).toBe(bestEpoch + 3);
    const lowest = Math.min(...history.map((r) => r.valLoss));
    expect(history[bestEpoch - 1]!.valLoss).toBe(lowest);
    const kept = crossEntropy(await predictNetworkTf(result.weights, valid.x), valid.y);
    expect(kept).toBeCloseTo(lowest, 4);
  });

  it('reports Keras-style loss and accuracy: the validation figures match the kept weights', async () => {
    const train = blobs(300, 3, 1.5, 5);
    const valid = blobs(150, 3, 1.5, 6);
    const result = await trainNetwork(train, valid, small({ maxEpochs: 3, patience: 10 }));
    const p = await predictNetworkTf(result.weights, valid.x);
    const last = result.history[2]!;
    expect(result.bestEpoch).toBe(3); // valLoss falls steadily in the first epochs here
    expect(last.valLoss).toBeCloseTo(crossEntropy(p, valid.y), 5);
    expect(last.valAccuracy).toBeCloseTo(accuracy(p, valid.y), 10);
    for (const r of result.history) {
      expect(r.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.accuracy).toBeLessThanOrEqual(1);
      expect(r.loss).toBeGreaterThan(0);
    }
  });

  it('is deterministic under the seed', async () => {
    const train = blobs(200, 5, 1, 7);
    const valid = blobs(100, 5, 1, 8);
    const run = (seed: number) => trainNetwork(train, valid, small({ maxEpochs: 5, seed }));
    const [a, b, c] = [await run(11), await run(11), await run(12)];
    expect(b.history).toEqual(a.history);
    expect(b.bestEpoch).toBe(a.bestEpoch);
    a.weights.layers.forEach((l, k) => {
      expect(b.weights.layers[k]!.kernel).toEqual(l.kernel);
      expect(b.weights.layers[k]!.bias).toEqual(l.bias);
    });
    expect(c.weights.layers[0]!.kernel).not.toEqual(a.weights.layers[0]!.kernel);
  });

  it('leaves no tensor behind', async () => {
    const train = blobs(150, 3, 1, 9);
    const valid = blobs(50, 3, 1, 10);
    await trainNetwork(train, valid, small({ maxEpochs: 2 })); // warm-up: lazily created backend state
    const before = tf.memory().numTensors;
    await trainNetwork(train, valid, small({ maxEpochs: 4, classWeights: [1, 2] }));
    await trainNetwork(train, valid, small({ maxEpochs: 2, output: 'sigmoid', activation: 'tanh' }));
    await predictNetworkTf((await trainNetwork(train, valid, small({ maxEpochs: 1 }))).weights, valid.x);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains the sigmoid-output variant', async () => {
    const train = blobs(400, 4, 3, 13);
    const valid = blobs(200, 4, 3, 14);
    const result = await trainNetwork(train, valid, small({ output: 'sigmoid', learningRate: 0.01 }));
    expect(result.weights.layers[2]!.activation).toBe('sigmoid');
    const p = await predictNetworkTf(result.weights, valid.x);
    expect(accuracy(p, valid.y)).toBeGreaterThan(0.97);
    expect(result.history[result.bestEpoch - 1]!.valLoss).toBeCloseTo(crossEntropy(p, valid.y), 4);
  });

  it('rejects a bad configuration as a usage error', async () => {
    const data = blobs(10, 2, 1, 15);
    for (const bad of [{ batchSize: 0 }, { hidden: [10, 0] }, { learningRate: -1 }, { patience: -1 }, { maxEpochs: 1.5 }]) {
      const err = await trainNetwork(data, data, small(bad)).catch((e: unknown) => e);
      expect(isRebuyError(err) && err.code === 'USAGE').toBe(true);
    }
    const empty: LabelledMatrix = { x: { data: new Float32Array(0), rows: 0, cols: 2 }, y: new Uint8Array(0) };
    await expect(trainNetwork(data, empty, small())).rejects.toThrow(/validation row/);
  });
});

describe('the hand-written backward pass', () => {
  /** Loss and gradients by TF.js autograd, from tf.losses and plain ops. */
  async function autograd(weights: NetworkWeights, x: Tensor2D, y: Uint8Array, classWeights?: [number, number]) {
    const vars = weights.layers.flatMap((l) => [tf.variable(tf.tensor2d(l.kernel, [l.inputs, l.units])), tf.variable(tf.tensor1d(l.bias))]);
    const onehot = tf.oneHot(tf.tensor1d(Array.from(y), 'int32'), 2);
    const rowWeights = tf.tensor1d(Array.from(y, (c) => (classWeights ? classWeights[c]! : 1)));
    const output = weights.layers[weights.layers.length - 1]!.activation;
    const { value, grads } = tf.variableGrads(() => {
      let h: Tensor2D = x;
      weights.layers.forEach((l, k) => {
        const z = tf.add(tf.matMul(h, vars[2 * k]!), vars[2 * k + 1]!) as Tensor2D;
        const act = k === weights.layers.length - 1 ? 'linear' : l.activation;
        h = act === 'relu' ? tf.relu(z) : act === 'tanh' ? tf.tanh(z) : act === 'sigmoid' ? tf.sigmoid(z) : z;
      });
      if (output === 'softmax') {
        return tf.div(tf.losses.softmaxCrossEntropy(onehot, h, rowWeights, 0, tf.Reduction.SUM), y.length) as Scalar;
      }
      const s = tf.sigmoid(h);
      const p = tf.clipByValue(tf.div(s, tf.sum(s, 1, true)), 1e-7, 1 - 1e-7);
      return tf.div(tf.sum(tf.mul(tf.neg(tf.sum(tf.mul(tf.log(p), onehot), 1)), rowWeights)), y.length) as Scalar;
    }, vars);
    const out = { loss: (await value.data())[0]!, gradients: await Promise.all(vars.map((v) => grads[v.name]!.data())) };
    tf.dispose([value, onehot, rowWeights, ...Object.values(grads), ...vars]);
    return out;
  }

  function randomWeights(widths: number[], hidden: string, output: string, seed: number): NetworkWeights {
    const rng = createRng(seed);
    return {
      layers: widths.slice(1).map((units, k) => ({
        inputs: widths[k]!,
        units,
        kernel: Float32Array.from({ length: widths[k]! * units }, () => rng() - 0.5),
        bias: Float32Array.from({ length: units }, () => (rng() - 0.5) / 2),
        activation: (k === widths.length - 2 ? output : hidden) as NetworkWeights['layers'][number]['activation'],
      })),
    };
  }

  const cases: [string, string, [number, number] | undefined][] = [
    ['relu', 'softmax', undefined],
    ['relu', 'softmax', [0.5, 3]],
    ['tanh', 'sigmoid', undefined],
    ['sigmoid', 'sigmoid', [2, 1]],
    ['linear', 'softmax', undefined],
  ];
  it.each(cases)('matches autograd: hidden %s, output %s, class weights %j', async (hidden, output, classWeights) => {
    const data = blobs(37, 6, 1, 21);
    const weights = randomWeights([6, 7, 5, 2], hidden, output, 22);
    const mine = await networkLossAndGradients(weights, data.x, data.y, classWeights);
    const x = tf.tensor2d(data.x.data, [data.x.rows, data.x.cols]);
    const ref = await autograd(weights, x, data.y, classWeights);
    x.dispose();
    expect(mine.loss).toBeCloseTo(ref.loss, 5);
    expect(mine.gradients).toHaveLength(6);
    mine.gradients.forEach((g, k) => {
      const r = ref.gradients[k]!;
      expect(g.length).toBe(r.length);
      for (let i = 0; i < g.length; i++) expect(Math.abs(g[i]! - r[i]!)).toBeLessThan(1e-5);
    });
  });
});

describe('against Keras', () => {
  /** Made by bench/keras-steps.ts: Keras 3 training the 2x50 network from rebuy's initial weights over rebuy's epoch orders. */
  interface KerasSteps {
    config: NetworkConfig;
    train: { x: number[]; y: number[] };
    valid: { x: number[]; y: number[] };
    keras: { loss: number[]; valLoss: number[]; weights: number[][] };
  }
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/keras-steps.json', import.meta.url), 'utf8')) as KerasSteps;
  const part = ({ x, y }: { x: number[]; y: number[] }): LabelledMatrix => ({
    x: { data: Float32Array.from(x), rows: y.length, cols: x.length / y.length },
    y: Uint8Array.from(y),
  });

  it("matches Keras' fit epoch by epoch from the same initial weights and epoch orders (Adam, loss, partial batches)", async () => {
    const { config, keras } = fixture;
    const result = await trainNetwork(part(fixture.train), part(fixture.valid), config);
    expect(result.history).toHaveLength(keras.loss.length);
    result.history.forEach((r, k) => {
      expect(Math.abs(r.loss - keras.loss[k]!)).toBeLessThan(1e-5);
      expect(Math.abs(r.valLoss - keras.valLoss[k]!)).toBeLessThan(1e-5);
    });
    const ours = result.weights.layers.flatMap((l) => [l.kernel, l.bias]);
    expect(ours.map((w) => w.length)).toEqual(keras.weights.map((w) => w.length));
    const largestGap = Math.max(...ours.flatMap((w, k) => Array.from(w, (v, i) => Math.abs(v - keras.weights[k]![i]!))));
    expect(largestGap).toBeLessThan(5e-6);
  });

  it('draws a new order of the training rows for every epoch, as the notebooks\' fit does', () => {
    const { nextOrder } = trainingDraws(4, 230, fixture.config);
    const orders = [nextOrder(), nextOrder(), nextOrder()].map((o) => [...o]);
    for (const order of orders) expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 230 }, (_, i) => i));
    expect(orders[1]).not.toEqual(orders[0]);
    expect(orders[2]).not.toEqual(orders[1]);
  });
});
