/**
 * The whole run gets a temp directory of its own, so that what processes leave in "the" temp
 * directory can be checked: after the run, no onnxruntime telemetry log (mat-debug-PID.log) may be
 * there. Other runs on the same machine write to their own.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'rebuy-test-run-'));
  // Traversable by the unprivileged user the permission tests run as (each test's own directory stays private).
  chmodSync(dir, 0o755);
  process.env.TMPDIR = dir;
  return () => {
    const telemetry = readdirSync(dir).filter((name) => /^mat-debug-\d+\.log$/.test(name));
    rmSync(dir, { recursive: true, force: true });
    if (telemetry.length === 0) return;
    // A teardown's error alone does not fail the run: set the exit code as well.
    process.exitCode = 1;
    throw new Error(`onnxruntime telemetry left ${telemetry.length} file(s) in the temp directory: ${telemetry.slice(0, 3).join(', ')}`);
  };
}
