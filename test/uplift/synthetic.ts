/** A randomized test with a known, heterogeneous effect: the truth uplift models are checked against. */
import { createRng } from '../../src/core/random.js';
import type { Table } from '../../src/core/table.js';

export interface SyntheticTest {
  table: Table;
  /** The true effect of treatment "mail" on the buying probability, per row. */
  effect: Float64Array;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/**
 * x1, x2 ~ U(−1, 1), a categorical region with no effect; half the rows get "mail", half "none".
 * P(buy | none) = σ(−1 + 0.8·x2), P(buy | mail) = σ(−1 + 0.8·x2 + 1.5·x1): the contact helps
 * customers with high x1 and puts off those with low x1.
 */
export function syntheticTest(n: number, seed: number): SyntheticTest {
  const rng = createRng(seed);
  const x1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const region: (string | null)[] = [];
  const group: (string | null)[] = [];
  const target = new Uint8Array(n);
  const effect = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x1[i] = 2 * rng() - 1;
    x2[i] = 2 * rng() - 1;
    region.push(['north', 'south', 'east'][Math.floor(rng() * 3)]!);
    const mailed = rng() < 0.5;
    group.push(mailed ? 'mail' : 'none');
    const p0 = sigmoid(-1 + 0.8 * x2[i]!);
    const p1 = sigmoid(-1 + 0.8 * x2[i]! + 1.5 * x1[i]!);
    effect[i] = p1 - p0;
    target[i] = rng() < (mailed ? p1 : p0) ? 1 : 0;
  }
  const table: Table = {
    source: 'synthetic.csv',
    schema: {
      name: 'custom',
      id: null,
      target: 'bought',
      features: [
        { name: 'x1', kind: 'numeric' },
        { name: 'x2', kind: 'numeric' },
        { name: 'region', kind: 'categorical' },
        { name: 'group', kind: 'categorical' },
      ],
    },
    nRows: n,
    ids: Array.from({ length: n }, (_, i) => String(i + 1)),
    target,
    numeric: new Map([
      ['x1', x1],
      ['x2', x2],
    ]),
    categorical: new Map([
      ['region', region],
      ['group', group],
    ]),
    firstDataLine: 2,
  };
  return { table, effect };
}

/** Spearman's rank correlation (average ranks for ties). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = ranks(a);
  const rb = ranks(b);
  const n = ra.length;
  const ma = ra.reduce((s, v) => s + v, 0) / n;
  const mb = rb.reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i]! - ma) * (rb[i]! - mb);
    da += (ra[i]! - ma) ** 2;
    db += (rb[i]! - mb) ** 2;
  }
  return num / Math.sqrt(da * db);
}

function ranks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((i, j) => values[i]! - values[j]!);
  const out = new Float64Array(values.length);
  for (let k = 0; k < order.length; ) {
    let end = k;
    while (end + 1 < order.length && values[order[end + 1]!] === values[order[k]!]) end++;
    for (let m = k; m <= end; m++) out[order[m]!] = (k + end) / 2 + 1;
    k = end + 1;
  }
  return out;
}

/** The table as CSV text, with the target column `bought` last. */
export function syntheticCsv(table: Table): string {
  const names = table.schema.features.map((f) => f.name);
  const lines = [[...names, 'bought'].join(',')];
  for (let i = 0; i < table.nRows; i++) {
    const cells = names.map((name) => {
      const v = table.numeric.get(name)?.[i] ?? table.categorical.get(name)?.[i];
      return typeof v === 'number' ? v.toFixed(4) : (v ?? '');
    });
    lines.push([...cells, String(table.target![i])].join(','));
  }
  return `${lines.join('\n')}\n`;
}
