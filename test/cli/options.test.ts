import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { flagsByOptionName, inFlagTerms } from '../../src/cli/options.js';

function program(): Command {
  const root = new Command('tool').option('--verbose');
  root.command('run').option('--rank-by <metric>').option('--target <col>').option('--no-baseline');
  return root;
}

describe('flagsByOptionName', () => {
  it('maps each option name to its long flag, over every command', () => {
    const flags = flagsByOptionName(program());
    expect(flags.get('rankBy')).toBe('--rank-by');
    expect(flags.get('target')).toBe('--target');
    expect(flags.get('verbose')).toBe('--verbose');
  });

  it('leaves out negated flags, whose option means the opposite', () => {
    expect(flagsByOptionName(program()).has('baseline')).toBe(false);
  });
});

describe('inFlagTerms', () => {
  const flags = new Map([['target', '--target'], ['rankBy', '--rank-by']]);

  it('turns each backticked option name into its flag', () => {
    expect(inFlagTerms('no column named "x" (the `target` option); `rankBy` too', flags)).toBe(
      'no column named "x" (the --target option); --rank-by too',
    );
  });

  it('leaves unknown names, unquoted names and other text alone', () => {
    expect(inFlagTerms('`model` and target and `a b`', flags)).toBe('`model` and target and `a b`');
  });
});
