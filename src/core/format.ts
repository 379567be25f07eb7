/**
 * Numbers as people read them, the same in the CLI, the report and the web page (which loads this
 * module as is, so it imports nothing). Non-finite numbers print as a dash.
 */

export const DASH = '—';

// Made once, on first use: a formatter per call costs more than the rest of a chart's tick labels, and
// making one at import would slow the start of every command that never formats money.
let whole: Intl.NumberFormat | null = null;
let cents: Intl.NumberFormat | null = null;
const WHOLE = (): Intl.NumberFormat => (whole ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }));
const CENTS = (): Intl.NumberFormat => (cents ??= new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));

/** A number rounded for reading: whole numbers as they are, otherwise 2 significant decimals at most. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 1 ? 2 : Math.min(6, 1 - Math.floor(Math.log10(abs)));
  return String(Number(v.toFixed(digits)));
}

/** A whole count with thousands grouped: 14084 -> "14,084". */
export function count(n: number): string {
  return Number.isFinite(n) ? WHOLE().format(Math.round(n)) : DASH;
}

/** 0.1588 -> "15.9 %". */
export function percent(share: number, digits = 1): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(digits)} %` : DASH;
}

/** A fixed number of decimals, with a true minus sign. */
export function fixed(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits).replace('-', '−') : DASH;
}

/** Money in the user's own units: "1,234" or "−56.50" (2 decimals below 100). */
export function money(v: number): string {
  if (!Number.isFinite(v)) return DASH;
  const abs = Math.abs(v);
  const body = (abs < 100 && !Number.isInteger(v) ? CENTS() : WHOLE()).format(abs);
  return v < 0 ? `−${body}` : body;
}
