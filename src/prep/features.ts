/**
 * Feature fit/apply. Fitted state is plain JSON data (it goes into the manifest).
 *
 * Model input layout, in this order:
 *   1. each numeric column j: (imputed x_j - mean_j) / std_j      (imputed: NaN -> fill_j)
 *   2. each numeric column j with flagMissing: 1 if x_j was missing, else 0
 *   3. each categorical column: one-hot over levels, plus a last "other" slot for unseen or missing values
 */

export interface NumericFeatureState {
  name: string;
  mean: number;
  /** Never 0: a constant column gets std 1. */
  std: number;
  /** The value a missing entry takes before standardizing (the training mean). */
  fill: number;
  /** True when the column had missing values in training: the model then has a missing-indicator input. */
  flagMissing: boolean;
}

export interface CategoricalFeatureState {
  name: string;
  /** Levels seen in training, sorted. One-hot width is levels.length + 1 (the last slot: other/unseen/missing). */
  levels: string[];
}

export interface FeatureState {
  numeric: NumericFeatureState[];
  categorical: CategoricalFeatureState[];
}
