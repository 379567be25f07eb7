/** A trained dense network as plain data: what TF.js learned, free of TF.js. */

export type HiddenActivation = 'relu' | 'tanh' | 'sigmoid' | 'linear';
/** softmax: 2 units, p1 = softmax(z)[1]. sigmoid: 2 sigmoid units, p1 = s1 / (s0 + s1) (as Keras' sparse CE normalises). */
export type OutputActivation = 'softmax' | 'sigmoid';

export interface DenseLayer {
  inputs: number;
  units: number;
  /** Row-major [inputs][units], as Keras stores a Dense kernel. */
  kernel: Float32Array;
  bias: Float32Array;
  activation: HiddenActivation | OutputActivation;
}

export interface NetworkWeights {
  layers: DenseLayer[];
}

export interface NetworkConfig {
  hidden: number[];
  activation: HiddenActivation;
  output: OutputActivation;
  learningRate: number;
  batchSize: number;
  maxEpochs: number;
  patience: number;
  seed: number;
  /** Weight of each class in the loss, [w0, w1]; omitted = equal. */
  classWeights?: [number, number];
  /** Keep the weights of the epoch with the lowest validation loss; omitted = keep the last epoch's, as Keras' EarlyStopping does by default. */
  restoreBest?: boolean;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
}

export interface TrainedNetwork {
  weights: NetworkWeights;
  history: EpochRecord[];
  /** 1-based epoch whose weights were kept: the last one, or with restoreBest the one with the lowest validation loss. */
  bestEpoch: number;
  seconds: number;
}
