import { InvalidArgumentError } from 'commander';

export function parseIntOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a whole number, got ${JSON.stringify(value)}`);
  return n;
}

export function parseNumberOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got ${JSON.stringify(value)}`);
  return n;
}

export function parseListOption(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  const numbers = parts.map(Number);
  if (parts.some((s) => s === '') || numbers.some((n) => !Number.isInteger(n) || n <= 0)) {
    throw new InvalidArgumentError(`expected positive whole numbers separated by commas, got ${JSON.stringify(value)}`);
  }
  return numbers;
}

/** For a repeatable list flag: --hidden 50,50 --hidden 100 → [[50, 50], [100]]. */
export function collectList(value: string, previous: number[][]): number[][] {
  return [...previous, parseListOption(value)];
}
