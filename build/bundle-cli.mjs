// The CLI bundled in place at build time: dist/src/cli/main.js becomes one file holding what every
// command shares, and each command's code a chunk loaded only when that command runs. Node loads ES
// modules one at a time, and the fifty-odd small files a command used to load slowed every start.
// Packages stay outside (node_modules), so the bundle holds only rebuy's own compiled code.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunks are named by their contents: the last build's would pile up beside this one's.
rmSync('dist/src/cli/chunks', { recursive: true, force: true });

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outdir: 'dist/src/cli',
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  external: ['#typebox', '#duckdb'],
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  logLevel: 'warning',
});
