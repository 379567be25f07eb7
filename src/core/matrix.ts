/** A dense row-major float matrix: the numeric core's one currency. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export function createMatrix(rows: number, cols: number): Matrix {
  return { data: new Float32Array(rows * cols), rows, cols };
}

export function takeLabels(y: Uint8Array, indices: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = y[indices[i]!]!;
  return out;
}
