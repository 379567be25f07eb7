import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { CLI } from './paths.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would, in a fresh process. */
export function rebuy(args: string[], options: { nodeArgs?: string[]; cwd?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], {
    encoding: 'utf8',
    cwd: options.cwd,
    env: { ...process.env, FORCE_COLOR: '0' },
    timeout: 300_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

export const FORBID_TRAINING_CODE = ['--import', resolve('test/helpers/forbid-training-code.mjs')];
