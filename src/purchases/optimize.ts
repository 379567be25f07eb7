/**
 * Numerical pieces for maximum likelihood: the Nelder–Mead simplex minimizer, a finite-difference
 * Hessian, and a symmetric positive-definite inverse.
 *
 * Written here: the small npm minimizer that exists (fmin 0.0.4) throws in its shrink step under
 * strict mode (an undeclared loop variable), and the likelihoods here have four parameters at most.
 */

export type Objective = (x: readonly number[]) => number;

export interface NelderMeadOptions {
  /** Largest number of iterations (default 2,000 × dimension). */
  maxIterations?: number;
  /** Stop when every vertex is within this distance (max-norm) of the best one… */
  xTolerance?: number;
  /** …and every vertex's value within this of the best value. */
  fTolerance?: number;
  /** Size of the initial simplex along each axis (default 0.5). */
  step?: number;
}

export interface Minimum {
  x: number[];
  fx: number;
  iterations: number;
  /** Both tolerances were met before maxIterations. */
  converged: boolean;
}

interface Vertex {
  x: number[];
  fx: number;
}

/**
 * Minimizes f from x0 by the Nelder–Mead simplex method, with the dimension-adapted coefficients of
 * Gao & Han (2012). A non-finite value counts as +Infinity, so the simplex steps back from it.
 */
export function nelderMead(f: Objective, x0: readonly number[], opts: NelderMeadOptions = {}): Minimum {
  const n = x0.length;
  if (n === 0) throw new RangeError('nelderMead: no parameters');
  const maxIterations = opts.maxIterations ?? 2_000 * n;
  const xTol = opts.xTolerance ?? 1e-8;
  const fTol = opts.fTolerance ?? 1e-10;
  const step = opts.step ?? 0.5;
  const rho = 1;
  const chi = 1 + 2 / n;
  const psi = 0.75 - 1 / (2 * n);
  const sigma = 1 - 1 / n;
  const value = (x: number[]): number => {
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  const vertex = (x: number[]): Vertex => ({ x, fx: value(x) });
  const simplex: Vertex[] = [vertex([...x0])];
  for (let i = 0; i < n; i++) {
    const x = [...x0];
    x[i] = x[i]! + step;
    simplex.push(vertex(x));
  }
  const combine = (wa: number, a: readonly number[], wb: number, b: readonly number[]): number[] =>
    a.map((ai, i) => wa * ai + wb * b[i]!);

  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations; iterations++) {
    simplex.sort((p, q) => p.fx - q.fx);
    const best = simplex[0]!;
    let xSpread = 0;
    let fSpread = 0;
    for (let i = 1; i <= n; i++) {
      const v = simplex[i]!;
      fSpread = Math.max(fSpread, Math.abs(v.fx - best.fx));
      for (let j = 0; j < n; j++) xSpread = Math.max(xSpread, Math.abs(v.x[j]! - best.x[j]!));
    }
    if (xSpread <= xTol && fSpread <= fTol) {
      converged = true;
      break;
    }
    const worst = simplex[n]!;
    const centroid = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j]! += simplex[i]!.x[j]! / n;
    const reflected = vertex(combine(1 + rho, centroid, -rho, worst.x));
    if (reflected.fx < best.fx) {
      const expanded = vertex(combine(1 + rho * chi, centroid, -rho * chi, worst.x));
      simplex[n] = expanded.fx < reflected.fx ? expanded : reflected;
      continue;
    }
    if (reflected.fx < simplex[n - 1]!.fx) {
      simplex[n] = reflected;
      continue;
    }
    const contracted =
      reflected.fx < worst.fx
        ? vertex(combine(1 + psi * rho, centroid, -psi * rho, worst.x))
        : vertex(combine(1 - psi, centroid, psi, worst.x));
    if (contracted.fx < Math.min(reflected.fx, worst.fx)) {
      simplex[n] = contracted;
      continue;
    }
    for (let i = 1; i <= n; i++) simplex[i] = vertex(combine(1 - sigma, best.x, sigma, simplex[i]!.x));
  }
  simplex.sort((p, q) => p.fx - q.fx);
  return { x: simplex[0]!.x, fx: simplex[0]!.fx, iterations, converged };
}

/** Runs Nelder–Mead again from its own answer until the value stops improving: one run can stall on a ridge. */
export function minimizeWithRestarts(f: Objective, x0: readonly number[], opts: NelderMeadOptions & { restarts?: number } = {}): Minimum {
  let result = nelderMead(f, x0, opts);
  let iterations = result.iterations;
  for (let i = 0; i < (opts.restarts ?? 5); i++) {
    const again = nelderMead(f, result.x, { ...opts, step: Math.min(opts.step ?? 0.5, 0.1) });
    iterations += again.iterations;
    const improved = result.fx - again.fx;
    result = again.fx <= result.fx ? again : result;
    if (!(improved > (opts.fTolerance ?? 1e-10))) break;
  }
  return { ...result, iterations };
}

/** The Hessian of f at x by central differences with step h on every axis. */
export function hessian(f: Objective, x: readonly number[], h = 1e-4): number[][] {
  const n = x.length;
  const at = (shifts: [number, number][]): number => {
    const p = [...x];
    for (const [i, d] of shifts) p[i] = p[i]! + d;
    return f(p);
  };
  const f0 = f(x);
  const H = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    H[i]![i] = (at([[i, h]]) - 2 * f0 + at([[i, -h]])) / (h * h);
    for (let j = 0; j < i; j++) {
      const v =
        (at([[i, h], [j, h]]) - at([[i, h], [j, -h]]) - at([[i, -h], [j, h]]) + at([[i, -h], [j, -h]])) / (4 * h * h);
      H[i]![j] = v;
      H[j]![i] = v;
    }
  }
  return H;
}

/** The inverse of a symmetric positive-definite matrix by Cholesky; null when it is not positive definite. */
export function invertPositiveDefinite(A: readonly (readonly number[])[]): number[][] | null {
  const n = A.length;
  const L = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i]![j]!;
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!;
      if (i === j) {
        if (!(s > 0)) return null;
        L[i]![i] = Math.sqrt(s);
      } else L[i]![j] = s / L[j]![j]!;
    }
  }
  // Solve L Lᵀ X = I column by column.
  const inv = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let c = 0; c < n; c++) {
    const y = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= L[i]![k]! * y[k]!;
      y[i] = s / L[i]![i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i]!;
      for (let k = i + 1; k < n; k++) s -= L[k]![i]! * inv[k]![c]!;
      inv[i]![c] = s / L[i]![i]!;
    }
  }
  return inv;
}
