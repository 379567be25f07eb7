/**
 * Maximum likelihood over positive parameters: Nelder–Mead on their logarithms from several starts,
 * standard errors from the observed information (the Hessian of −log L), intervals on the log scale.
 */
import { hessian, invertPositiveDefinite, minimizeWithRestarts } from './optimize.js';

export interface MleStart<P> {
  start: P;
  params: P;
  logLikelihood: number;
  converged: boolean;
}

export interface MleFit<P> {
  params: P;
  /** Standard errors from the observed information (NaN when it is not positive definite). */
  standardErrors: P;
  /** 95 % intervals, symmetric on the log scale (the parameters are positive). */
  intervals: Record<keyof P, [number, number]>;
  logLikelihood: number;
  /** Every start converged, and the observed information is positive definite. */
  converged: boolean;
  /** Each starting point and where it ended. */
  starts: MleStart<P>[];
}

const Z95 = 1.959963984540054;

/**
 * Maximizes `logLikelihood` over positive parameters named `names`; `scale` (e.g. the number of
 * customers) divides it inside the optimizer so that tolerances mean the same at any size.
 */
export function fitPositive<K extends string>(
  names: readonly K[],
  logLikelihood: (p: Record<K, number>) => number,
  starts: readonly Record<K, number>[],
  scale: number,
): MleFit<Record<K, number>> {
  type P = Record<K, number>;
  const toVector = (p: P): number[] => names.map((k) => Math.log(p[k]));
  const fromVector = (v: readonly number[]): P => Object.fromEntries(names.map((k, i) => [k, Math.exp(v[i]!)])) as P;
  const objective = (v: readonly number[]): number => -logLikelihood(fromVector(v)) / scale;
  const ends = starts.map((start): MleStart<P> => {
    const m = minimizeWithRestarts(objective, toVector(start), { xTolerance: 1e-7, fTolerance: 1e-11 });
    return { start, params: fromVector(m.x), logLikelihood: -m.fx * scale, converged: m.converged };
  });
  const best = ends.reduce((p, q) => (q.logLikelihood > p.logLikelihood ? q : p));
  const cov = invertPositiveDefinite(hessian((v) => -logLikelihood(fromVector(v)), toVector(best.params), 1e-4));
  const sdLog = names.map((_, i) => (cov ? Math.sqrt(cov[i]![i]!) : NaN));
  const standardErrors = Object.fromEntries(names.map((k, i) => [k, best.params[k] * sdLog[i]!])) as P;
  const intervals = Object.fromEntries(
    names.map((k, i) => [k, [best.params[k] * Math.exp(-Z95 * sdLog[i]!), best.params[k] * Math.exp(Z95 * sdLog[i]!)]]),
  ) as Record<K, [number, number]>;
  return {
    params: best.params,
    standardErrors,
    intervals,
    logLikelihood: best.logLikelihood,
    converged: ends.every((s) => s.converged) && cov !== null,
    starts: ends,
  };
}
