import { execFileSync, spawn } from 'node:child_process';
import { readFile, symlink } from 'node:fs/promises';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';
import { mean, pairedTest, sd } from '../src/evaluate/stats.js';

export const REAL_DATA = join(packageRoot(), '..', 'shared', 'data', 'audiobooks.csv');
export const CLI = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
export const REFERENCE = join(packageRoot(), 'dist', 'bench', 'reference', 'duckdb-only.js');
export const BENCH_PYTHON = join(packageRoot(), '.bench-python', 'bin', 'python');
export const POLARS_REFERENCE = join(packageRoot(), 'bench', 'reference', 'polars_score.py');

/** Makes or updates the venv of the outside references (scripts/bench-python-env.sh); null when ready, else why not. */
export async function provisionBenchPython(): Promise<string | null> {
  const run = await runProcess('sh', [join(packageRoot(), 'scripts', 'bench-python-env.sh')]);
  if (run.code === 0) return null;
  return run.stderr.trim().split('\n').pop() || `scripts/bench-python-env.sh exited with ${run.code}`;
}

export function requireRealData(): string {
  if (!existsSync(REAL_DATA)) throw new Error(`the benchmark needs the real data at ${REAL_DATA}`);
  return REAL_DATA;
}

async function peakRssKb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

export interface ProcessRun {
  seconds: number;
  peakRssMb: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command as a fresh process; samples its peak RSS (VmHWM) from /proc until it exits. */
export function runProcess(command: string, args: string[]): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setInterval(() => {
      void peakRssKb(child.pid!).then((kb) => {
        if (kb !== null) peakKb = Math.max(peakKb, kb);
      });
    }, 10);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ seconds: (performance.now() - started) / 1000, peakRssMb: peakKb / 1024, code, stdout, stderr });
    });
  });
}

/** A command's CPU seconds and peak memory, as /usr/bin/time counts them (the OS's own accounting of the finished process). */
export interface TimedRun extends ProcessRun {
  cpuSeconds: number;
}

const TIME_MARK = 'rebuy-bench-time';

/** Runs a command as a fresh process under /usr/bin/time: wall seconds, CPU seconds (user + sys) and peak RSS. */
export async function runTimed(command: string, args: string[]): Promise<TimedRun> {
  const run = await runProcess('/usr/bin/time', ['-f', `${TIME_MARK} %U %S %M`, command, ...args]);
  const line = run.stderr.split('\n').reverse().find((l) => l.startsWith(TIME_MARK));
  if (!line) throw new Error(`/usr/bin/time printed no figures for ${command}: ${run.stderr}`);
  const [user, sys, kb] = line.split(' ').slice(1).map(Number) as [number, number, number];
  return { ...run, stderr: run.stderr.replace(line, ''), cpuSeconds: user + sys, peakRssMb: kb / 1024 };
}

/**
 * The CLI as built at an earlier commit, for comparing before and after in one run: the commit's
 * files (git archive) in a directory under the temp directory, with this checkout's node_modules,
 * built with its own `npm run build`; kept there for the next run (delete it to build again).
 */
export async function buildAtCommit(commit: string, log: (line: string) => void): Promise<string> {
  const dir = join(tmpdir(), `rebuy-bench-build-${commit}`);
  const cli = join(dir, 'dist', 'src', 'cli', 'main.js');
  if (existsSync(cli)) return cli;
  log(`   building ${commit} in ${dir} (git archive, npm run build)`);
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git -C '${packageRoot()}' archive ${commit} | tar -x -C '${dir}'`], { stdio: 'inherit' });
  if (!existsSync(join(dir, 'node_modules'))) await symlink(join(packageRoot(), 'node_modules'), join(dir, 'node_modules'));
  execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return cli;
}

export function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

export function has(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

export function fmt(value: number, digits = 3): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

/** Mean ± sd of `values` × scale. */
export function meanSd(values: readonly number[], scale: number, digits: number): string {
  return `${(mean([...values]) * scale).toFixed(digits)} ± ${(sd([...values]) * scale).toFixed(digits)}`;
}

/** The paired difference a − b × scale: mean, 95 % interval and the splits where a is ahead, and as text. */
export function difference(a: readonly number[], b: readonly number[], scale: number, digits: number): { mean: number; lower: number; upper: number; ahead: number; text: string } {
  const t = pairedTest([...a], [...b]);
  const ahead = a.filter((v, i) => v > b[i]!).length;
  const f = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * scale).toFixed(digits)}`;
  return { mean: t.meanDifference * scale, lower: t.lower * scale, upper: t.upper * scale, ahead, text: `${f(t.meanDifference)} [${f(t.lower)}, ${f(t.upper)}], ahead on ${ahead}/${a.length}` };
}
