// The CLI bundled in place at build time: dist/src/cli/main.js becomes one file holding what every
// command shares, and each command's code a chunk loaded only when that command runs. Node loads ES
// modules one at a time, and the fifty-odd small files a command used to load slowed every start.
// Packages stay outside (node_modules), so the bundle holds only rebuy's own compiled code.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// CommonJS packages the CLI imports statically but loads with require(): importing CommonJS makes
// Node first scan the package's source, and every package it re-exports, for the names it exports.
// (Packages loaded on demand call createRequire themselves: src/data/duckdb.ts, src/model/tf.ts.)
const REQUIRED_PACKAGES = ['commander', 'onnx-proto'];
const REQUIRED = new RegExp(`^(${REQUIRED_PACKAGES.join('|')})$`);

/** Each static import of a REQUIRED package becomes a tiny CommonJS module holding require('package'). */
const requireCommonJs = {
  name: 'require-commonjs',
  setup(b) {
    b.onResolve({ filter: REQUIRED }, (args) => {
      if (args.kind === 'import-statement') return { path: args.path, namespace: 'require-commonjs' };
      return { path: args.path, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: 'require-commonjs' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

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
  plugins: [requireCommonJs],
  // The require() esbuild's CommonJS wrappers call, in every file of the bundle.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: true,
  logLevel: 'warning',
});
