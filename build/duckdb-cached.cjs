// dist/vendor/duckdb.cjs: DuckDB's bundled Node API (dist/vendor/duckdb-api.cjs, from build/duckdb.cjs)
// loaded with the build's V8 code cache (build/code-cache.cjs).
module.exports = require('./code-cache.cjs').requireCached(__filename, './duckdb-api.cjs');
