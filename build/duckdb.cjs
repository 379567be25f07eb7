// DuckDB's Node API bundled into one file at build time (dist/vendor/duckdb.cjs): the package ships
// as nearly two hundred CommonJS modules, and resolving and loading them one by one slows the start
// of every command. The native binding (@duckdb/node-bindings) stays outside the bundle.
module.exports = require('@duckdb/node-api');
