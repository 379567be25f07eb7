import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { realDataPresent } from './paths.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('realDataPresent', () => {
  it('is false when a file is missing, and says which one', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const missing = join(resolve('test/fixtures'), 'no-such-file.csv');
    expect(realDataPresent('some tests', [resolve('package.json'), missing])).toBe(false);
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]![0]).toBe(`some tests SKIPPED: ${missing} is absent (put the course data in ../shared/data or set REBUY_SHARED_DATA)`);
  });

  it('is true, and quiet, when every file is there', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(realDataPresent('some tests', [resolve('package.json')])).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });
});
