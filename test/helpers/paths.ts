import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const REAL_CSV = resolve('../shared/data/audiobooks.csv');
export const REAL_NOHEADER_CSV = resolve('../shared/data/audiobooks_original_noheader.csv');
export const hasRealData = existsSync(REAL_CSV);
export const CLI = resolve('dist/src/cli/main.js');
