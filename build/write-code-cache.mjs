// The last build step: puts the code-cache loader into dist/vendor, runs a small training (which
// loads DuckDB's API and TF.js through it and runs the functions a real training runs), and saves
// V8's code cache of those files into dist/vendor/code-cache/. Without it everything still works,
// only each start compiles the files again (build/code-cache.cjs).
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

copyFileSync('build/code-cache.cjs', 'dist/vendor/code-cache.cjs');
copyFileSync('build/duckdb-cached.cjs', 'dist/vendor/duckdb.cjs');
const { CACHE_DIR, writeCodeCaches } = createRequire(import.meta.url)('../dist/vendor/code-cache.cjs');
rmSync(CACHE_DIR, { recursive: true, force: true });

const { generateAudiobooksSample } = await import('../dist/src/data/sample.js');
const { trainBundle } = await import('../dist/src/app/train.js');
const { SPLIT_DEFAULTS } = await import('../dist/src/config.js');
const dir = mkdtempSync(join(tmpdir(), 'rebuy-code-cache-'));
try {
  const data = join(dir, 'customers.csv');
  writeFileSync(data, generateAudiobooksSample({ rows: 800, seed: 1 }));
  await trainBundle({ data, out: join(dir, 'model'), ...SPLIT_DEFAULTS, preset: '2x50', network: { epochs: 3 }, report: false });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
writeCodeCaches();
