/**
 * The project's Python environment in tests (provisioned by test/helpers/python-env.setup.ts) and
 * a long-lived Python process holding one Spark session (test/helpers/python_harness.py).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { inject } from 'vitest';

export interface PythonEnv {
  venv: string;
  python: string;
}

/** The environment, or null after saying in one line why the tests named `tests` skip. */
export function pythonEnvOrSkip(tests: string): PythonEnv | null {
  const state = inject('pythonEnv');
  if ('unavailable' in state) {
    console.warn(`${tests} SKIPPED: ${state.unavailable}`);
    return null;
  }
  return { venv: state.venv, python: join(state.venv, 'bin', 'python') };
}

export interface Harness {
  request<T>(op: string, args: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/** Starts test/helpers/python_harness.py; requests are answered one at a time, in order. */
export function startHarness(env: PythonEnv): Harness {
  const child: ChildProcessWithoutNullStreams = spawn(env.python, [resolve('test/helpers/python_harness.py')], {
    env: { ...process.env, PYSPARK_PYTHON: env.python },
  });
  const waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('HARNESS ')) return;
    const answer = JSON.parse(line.slice('HARNESS '.length)) as { error?: string; trace?: string };
    const next = waiting.shift();
    if (answer.error !== undefined) next?.reject(new Error(`${answer.error}\n${answer.trace ?? ''}`));
    else next?.resolve(answer);
  });
  const exited = new Promise<void>((done) =>
    child.on('close', (code) => {
      for (const w of waiting.splice(0)) w.reject(new Error(`the Python harness ended (exit ${code}): ${stderr}`));
      done();
    }),
  );
  return {
    request: <T>(op: string, args: Record<string, unknown>) =>
      new Promise<T>((resolveAnswer, reject) => {
        waiting.push({ resolve: resolveAnswer as (v: unknown) => void, reject });
        child.stdin.write(`${JSON.stringify({ op, ...args })}\n`);
      }),
    close: async () => {
      child.stdin.end();
      await exited;
    },
  };
}
