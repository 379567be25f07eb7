/** The error catalog: one list of codes, each with its exit code and HTTP status. */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, RebuyError, exitCodeOf, httpStatusOf, httpStatusOfCode } from '../src/errors.js';

describe('error catalog', () => {
  it('lists every code once', () => {
    expect(ERROR_CODES.length).toBeGreaterThan(10);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    expect(ERROR_CODES).toContain('INPUT_INVALID');
    expect(ERROR_CODES).toContain('OVERLOADED');
  });

  it("maps the user's problems to exit 2 and a 4xx status, the machine's to exit 2 and a 5xx, ours to exit 1 and a 5xx", () => {
    const machine: readonly string[] = ['SYSTEM', 'NO_SPACE', 'MEMORY_LIMIT'];
    for (const code of ERROR_CODES) {
      const err = new RebuyError(code, 'x');
      expect(httpStatusOfCode(code), code).toBe(err.httpStatus);
      expect(exitCodeOf(err), code).toBe(machine.includes(code) ? 2 : err.exitCode);
      expect(err.exitCode === 2 && !machine.includes(code) ? [400, 499] : [500, 599], code).toSatisfy(
        ([low, high]: number[]) => err.httpStatus >= low! && err.httpStatus <= high!,
      );
    }
    expect(exitCodeOf(new Error('a bug'))).toBe(1);
    expect(httpStatusOf(new Error('a bug'))).toBe(500);
  });
});
