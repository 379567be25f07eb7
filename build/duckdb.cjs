// DuckDB's Node API bundled into one file at build time (dist/vendor/duckdb.cjs): the package ships
// as nearly two hundred CommonJS modules, and resolving and loading them one by one slows the start
// of every command. The native binding (@duckdb/node-bindings) stays outside the bundle.

// DuckDB's allocator (jemalloc) keeps the memory a query frees for reuse within one arena (by default
// one per core), and a job's queries run on whichever of Node's worker threads is free: what one query
// freed sat in one arena while the next query took new memory in another, so a process grew with its
// file. One arena lets every query reuse it, unless the user configures the allocator. jemalloc reads
// the variable as the binding loads; it is removed after, so processes started from this one are unchanged.
const ALLOCATOR_CONF = 'DUCKDB_JE_MALLOC_CONF';
const userConf = process.env[ALLOCATOR_CONF] !== undefined;
if (!userConf) process.env[ALLOCATOR_CONF] = 'narenas:1';
try {
  module.exports = require('@duckdb/node-api');
} finally {
  if (!userConf) delete process.env[ALLOCATOR_CONF];
}
