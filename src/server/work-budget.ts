/**
 * Load shedding by cost, not by count: each request takes units of work before it starts and gives
 * them back when done; one that does not fit is refused at once (503 with Retry-After) rather than
 * queued, so the server's memory and latency stay bounded however many clients pile on. One unit is
 * one row through the model; a row with reasons costs as many rows as the explanation scores.
 */

export interface WorkLease {
  release(): void;
}

export interface WorkBudget {
  /** Units in use now. */
  readonly used: number;
  readonly capacity: number;
  /** A lease of `cost` units, or null when they do not fit. Alone, any request fits: none starves. */
  tryTake(cost: number): WorkLease | null;
}

export function createWorkBudget(capacity: number): WorkBudget {
  let used = 0;
  return {
    get used() {
      return used;
    },
    capacity,
    tryTake(cost) {
      if (used > 0 && used + cost > capacity) return null;
      used += cost;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          used -= cost;
        },
      };
    },
  };
}
