/**
 * BG/NBD's and Gamma-Gamma's outputs as extra columns of a customer table. Both models are fitted
 * on the table's own pre-cutoff summaries (frequency, recency, age, mean repeat value) and never see
 * the target, so refitting them at every cutoff, scoring tables included, leaks nothing.
 */
import { fitBgNbd, scoreBgNbd, type BgNbdFit } from './bgnbd.js';
import { expectedSpend, fitGammaGamma, type GammaGammaFit } from './gamma-gamma.js';
import type { CustomerTable } from './customer-table.js';

export const BG_NBD_FEATURES = ['bgnbd_p_alive', 'bgnbd_expected', 'bgnbd_p_any'] as const;
export const SPEND_FEATURES = ['gg_expected_spend', 'expected_value'] as const;

export interface ModelFeatures {
  bgnbd: BgNbdFit;
  /** Null when the log has no amounts, or a repeat buyer's mean value is not positive (returns). */
  gammaGamma: GammaGammaFit | null;
  columns: Map<string, Float64Array>;
  notes: string[];
}

/** Fits BG/NBD (times in days) and, with amounts, Gamma-Gamma; returns their outputs over the horizon. */
export function modelFeatures(table: CustomerTable, horizonDays: number): ModelFeatures {
  const frequency = table.numeric.get('frequency')!;
  const data = { frequency, recency: table.numeric.get('recency')!, age: table.numeric.get('age')! };
  const bgnbd = fitBgNbd(data);
  const scores = scoreBgNbd(bgnbd.params, data, horizonDays);
  const columns = new Map<string, Float64Array>([
    ['bgnbd_p_alive', scores.pAlive],
    ['bgnbd_expected', scores.expected],
    ['bgnbd_p_any', scores.pAtLeastOne],
  ]);
  const notes: string[] = [];
  const monetary = table.numeric.get('amount_repeat_mean');
  let gammaGamma: GammaGammaFit | null = null;
  if (monetary) {
    const usable = monetary.every((m, i) => !(frequency[i]! > 0) || m > 0);
    if (!usable) notes.push('a repeat buyer has a mean value of 0 or less (returns): no Gamma-Gamma spend columns');
    else {
      gammaGamma = fitGammaGamma({ frequency, monetary });
      const params = gammaGamma.params;
      const spend = Float64Array.from(frequency, (x, i) => expectedSpend(params, x, x > 0 ? monetary[i]! : 0));
      columns.set('gg_expected_spend', spend);
      columns.set('expected_value', spend.map((s, i) => s * scores.expected[i]!));
    }
  }
  return { bgnbd, gammaGamma, columns, notes };
}
