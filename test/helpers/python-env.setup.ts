/**
 * Provisions the project's Python environment (scripts/python-env.sh: pyspark, mlflow-skinny,
 * onnxruntime) once per test run, and tells the tests where it is, or why it could not be made: a
 * test that needs it then says so in one line and skips. In CI (CI=true) a failure fails the run.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

export type PythonEnvState = { venv: string } | { unavailable: string };

declare module 'vitest' {
  export interface ProvidedContext {
    pythonEnv: PythonEnvState;
  }
}

function provision(): PythonEnvState {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.status !== 0) return { unavailable: `Java is not installed (Spark needs it): ${java.error?.message ?? java.stderr.trim()}` };
  // The script's own progress goes to the terminal; it prints the environment's path last.
  const run = spawnSync('bash', [resolve('scripts/python-env.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (run.status !== 0) return { unavailable: `scripts/python-env.sh failed (exit ${run.status ?? run.signal}): ${run.error?.message ?? 'see its output above'}` };
  return { venv: run.stdout.trim().split('\n').pop()! };
}

export default function setup(project: TestProject): void {
  const state = provision();
  if ('unavailable' in state && process.env.CI === 'true') throw new Error(`the Python environment could not be provisioned: ${state.unavailable}`);
  project.provide('pythonEnv', state);
}
