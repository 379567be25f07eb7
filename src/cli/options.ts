import { InvalidArgumentError, Option, type Command } from 'commander';

const DELIMITERS: Record<string, string> = { ',': ',', ';': ';', '|': '|', tab: '\t', '\t': '\t', '\\t': '\t' };

export function parseDelimiterOption(value: string): string {
  const delimiter = DELIMITERS[value];
  if (delimiter === undefined) throw new InvalidArgumentError(`expected one of , ; | tab, got ${JSON.stringify(value)}`);
  return delimiter;
}

/** The options that say how to read a CSV file the reader cannot tell by itself. */
export function readingOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--delimiter <char>', 'CSV field separator: , ; | or tab (default: , or the one the header shows)').argParser(parseDelimiterOption))
    .addOption(new Option('--decimal <mark>', 'decimal mark in numbers: . or , (default: . or, with ; as separator, what the values show)').choices(['.', ',']));
}

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

/** Each long flag of the program's commands, by the name the library gives that option (`rankBy` → `--rank-by`). */
export function flagsByOptionName(program: Command): Map<string, string> {
  const flags = new Map<string, string>();
  for (const command of [program, ...program.commands]) {
    for (const option of command.options) if (option.long && !option.negate) flags.set(option.attributeName(), option.long);
  }
  return flags;
}

/**
 * A library message in the CLI's words: the library names its options in backticks (`target`), and
 * each one the CLI sets by a flag becomes that flag (--target). Other backticked words stay as they are.
 */
export function inFlagTerms(message: string, flags: ReadonlyMap<string, string>): string {
  return message.replace(/`([A-Za-z][A-Za-z0-9]*)`/g, (quoted, name: string) => flags.get(name) ?? quoted);
}
