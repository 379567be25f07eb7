import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';

export const REAL_DATA = join(packageRoot(), '..', 'shared', 'data', 'audiobooks.csv');
export const CLI = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
export const REFERENCE = join(packageRoot(), 'dist', 'bench', 'reference', 'duckdb-only.js');

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
