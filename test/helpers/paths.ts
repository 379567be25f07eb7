import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The course's real data: ../shared/data beside the checkout, or the directory REBUY_SHARED_DATA names. */
export const SHARED_DATA = resolve(process.env.REBUY_SHARED_DATA ?? '../shared/data');
export const REAL_CSV = join(SHARED_DATA, 'audiobooks.csv');
export const REAL_NOHEADER_CSV = join(SHARED_DATA, 'audiobooks_original_noheader.csv');
export const CLI = resolve('dist/src/cli/main.js');

/**
 * Whether every file a group of tests reads is there. If one is missing, says which, so that the
 * skipped tests explain themselves instead of failing on a checkout without the course data.
 */
export function realDataPresent(tests: string, files: readonly string[] = [REAL_CSV]): boolean {
  const missing = files.find((file) => !existsSync(file));
  if (missing !== undefined) {
    console.warn(`${tests} SKIPPED: ${missing} is absent (put the course data in ../shared/data or set REBUY_SHARED_DATA)`);
  }
  return missing === undefined;
}
