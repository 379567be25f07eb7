// DuckDB's Node API bundled into one file at build time (dist/vendor/duckdb.cjs): the package ships
// as nearly two hundred CommonJS modules, and resolving and loading them one by one slows the start
// of every command. The native binding (@duckdb/node-bindings) stays outside the bundle.

// jemalloc keeps freed memory per arena (one per core), and a job's queries run on whichever of Node's
// threads is free, so what one query freed went unused by the next: one arena, unless the user sets it.
// Read as the binding loads, then removed, so processes started from this one are unchanged.
const ALLOCATOR_CONF = 'DUCKDB_JE_MALLOC_CONF';
const userConf = process.env[ALLOCATOR_CONF] !== undefined;
if (!userConf) process.env[ALLOCATOR_CONF] = 'narenas:1';
try {
  module.exports = require('@duckdb/node-api');
} finally {
  if (!userConf) delete process.env[ALLOCATOR_CONF];
}
