import { runInterruptCleanups } from '../data/fs.js';

const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * On SIGINT, SIGTERM or SIGHUP: remove the temporaries of writes in progress (and put back a bundle
 * caught between its renames), then end by the same signal, so the caller sees how the command ended.
 */
export function cleanUpOnSignals(): void {
  for (const signal of ENDING_SIGNALS) {
    process.once(signal, () => {
      runInterruptCleanups();
      for (const other of ENDING_SIGNALS) process.removeAllListeners(other);
      process.kill(process.pid, signal);
    });
  }
}
