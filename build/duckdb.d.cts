import api = require('@duckdb/node-api');
export = api;
