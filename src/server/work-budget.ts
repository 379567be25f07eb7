/**
 * Load shedding by cost, not by count: each request takes units of work before it starts and gives
 * them back when done; one that does not fit is refused at once (503 with Retry-After) rather than
 * queued, so the server's memory and latency stay bounded however many clients pile on. One unit is
 * one row through the model; a row with reasons costs as many rows as the explanation scores.
 */

export interface WorkLease {
  /** Gives back part of the lease: what remains of the work costs `cost` units (never more than taken). */
  shrink(cost: number): void;
  release(): void;
}

export interface WorkBudget {
  /** Units in use now. */
  readonly used: number;
  readonly capacity: number;
  /** Whether `cost` units would fit now, taking nothing: to refuse a request before reading its body. */
  fits(cost: number): boolean;
  /** A lease of `cost` units, or null when they do not fit. Alone, any request fits: none starves. */
  tryTake(cost: number): WorkLease | null;
}

export function createWorkBudget(capacity: number): WorkBudget {
  let used = 0;
  const fits = (cost: number): boolean => used === 0 || used + cost <= capacity;
  return {
    get used() {
      return used;
    },
    capacity,
    fits,
    tryTake(cost) {
      if (!fits(cost)) return null;
      used += cost;
      let held = cost;
      return {
        shrink(to) {
          const kept = Math.max(0, Math.min(held, to));
          used -= held - kept;
          held = kept;
        },
        release() {
          used -= held;
          held = 0;
        },
      };
    },
  };
}

/** Bytes of a typical customer row of CSV: an upload's rows are estimated from its size before it is read. */
export const TYPICAL_CSV_BYTES_PER_ROW = 48;

/**
 * The work of scoring an upload of `bytes`: a unit per estimated row, and with reasons the
 * explanations of the best-ranked rows (at most `reasonRows`), `explainPerRow` units each.
 */
export function uploadCost(bytes: number, reasonRows: number, explainPerRow: number): number {
  const rows = Math.ceil(Math.max(0, bytes) / TYPICAL_CSV_BYTES_PER_ROW);
  return Math.max(1, rows + Math.min(rows, reasonRows) * explainPerRow);
}
