/**
 * The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV"): each
 * transaction's value is Gamma(p, ν) and ν varies across customers as Gamma(q, γ). Fitted on each
 * repeat buyer's number of repeat transactions x and their mean value m; it gives each customer's
 * expected value per transaction, shrunk from their own mean towards the population's.
 */
import { inputError } from '../errors.js';
import { fitPositive, type MleFit } from './mle.js';
import { logGamma } from '../core/special.js';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export const GAMMA_GAMMA_PARAMS = ['p', 'q', 'gamma'] as const;

/** Per customer: repeat transactions x and the mean value of those transactions (ignored where x = 0). */
export interface SpendData {
  frequency: ArrayLike<number>;
  monetary: ArrayLike<number>;
}

/** The repeat buyers' (x, m), refusing a mean value the model cannot describe. */
function repeatBuyers(data: SpendData): { x: Float64Array; m: Float64Array } {
  const xs: number[] = [];
  const ms: number[] = [];
  for (let i = 0; i < data.frequency.length; i++) {
    const x = data.frequency[i]!;
    if (!(x > 0)) continue;
    const m = data.monetary[i]!;
    if (!(Number.isFinite(m) && m > 0)) {
      throw inputError(`customer row ${i + 1}: the mean value of repeat purchases must be a positive number for Gamma-Gamma`, {
        column: 'monetary',
        value: String(m),
      });
    }
    xs.push(x);
    ms.push(m);
  }
  return { x: Float64Array.from(xs), m: Float64Array.from(ms) };
}

function logLikelihoodOf(params: GammaGammaParams, x: Float64Array, m: Float64Array): number {
  const { p, q, gamma } = params;
  const base = -logGamma(q) + q * Math.log(gamma);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const px = p * x[i]!;
    total +=
      base + logGamma(px + q) - logGamma(px) + (px - 1) * Math.log(m[i]!) + px * Math.log(x[i]!) - (px + q) * Math.log(gamma + m[i]! * x[i]!);
  }
  return total;
}

/** The log-likelihood of the repeat buyers' mean values (customers with x = 0 do not enter). */
export function gammaGammaLogLikelihood(params: GammaGammaParams, data: SpendData): number {
  const { x, m } = repeatBuyers(data);
  return logLikelihoodOf(params, x, m);
}

export type GammaGammaFit = MleFit<GammaGammaParams> & { customers: number };

export function fitGammaGamma(data: SpendData, opts: { starts?: GammaGammaParams[] } = {}): GammaGammaFit {
  const { x, m } = repeatBuyers(data);
  if (x.length < 2) throw inputError('fewer than two customers made a repeat purchase: Gamma-Gamma cannot be fitted');
  let mean = 0;
  for (const v of m) mean += v / m.length;
  const starts = opts.starts ?? [
    { p: 1, q: 2, gamma: mean },
    { p: 5, q: 4, gamma: mean * 3 },
    { p: 0.5, q: 10, gamma: mean * 10 },
  ];
  return { ...fitPositive(GAMMA_GAMMA_PARAMS, (p) => logLikelihoodOf(p, x, m), starts, x.length), customers: x.length };
}

/**
 * Expected value of a customer's next transaction given x repeat transactions of mean value m:
 * p(γ + x m)/(p x + q − 1); the population mean pγ/(q − 1) where x = 0. Infinite if q ≤ 1.
 */
export function expectedSpend(params: GammaGammaParams, x: number, m: number): number {
  const { p, q, gamma } = params;
  if (q <= 1 && x === 0) return Infinity;
  return x > 0 ? (p * (gamma + x * m)) / (p * x + q - 1) : (p * gamma) / (q - 1);
}
