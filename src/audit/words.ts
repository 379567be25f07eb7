/** Numbers and names as a reader sees them in the audit's sentences. */

export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 0.1588 -> "15.9 %"; small non-zero shares keep a significant digit ("0.04 %"). */
export function percent(share: number): string {
  const p = share * 100;
  if (p !== 0 && Math.abs(p) < 0.1) return `${Number(p.toPrecision(1))} %`;
  return `${p.toFixed(1)} %`;
}

/** A measured value without float noise: 11.879999 -> "11.88". */
export function value(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US', { useGrouping: false });
  return String(Number(v.toPrecision(6)));
}

export function quote(name: string): string {
  return `"${name.trim()}"`;
}

/** "1 customer", "2 customers". */
export function customers(n: number): string {
  return `${count(n)} customer${n === 1 ? '' : 's'}`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${count(n)} ${n === 1 ? word : many}`;
}
