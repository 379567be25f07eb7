import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PurchaseLogSpec } from '../../src/purchases/log.js';

export const CDNOW = resolve('../shared/data/cdnow_sample.txt');
export const hasCdnow = existsSync(CDNOW);

/** The CDNOW sample's fields, in file order (no header in the file). */
export const CDNOW_SPEC: PurchaseLogSpec = {
  file: CDNOW,
  customer: 'id',
  date: 'date',
  amount: 'amount',
  columns: ['full_id', 'id', 'date', 'cds', 'amount'],
};

/** The usual BG/NBD study: calibration 1997-01-01..1997-09-30, holdout the 39 weeks after. */
export const CDNOW_CUTOFF = '1997-09-30';
export const CDNOW_HOLDOUT_DAYS = 273;

/** Days between two ISO dates (b − a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

export function addDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
