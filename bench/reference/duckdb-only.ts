/**
 * A reference for the scoring benchmark: the same CSV→CSV job as `rebuy score` (read an Audiobooks
 * file, give every customer a probability, rank them best first, write id, probability, label and
 * rank, flushed to disk) as one DuckDB query, with a fixed logistic formula in place of the model.
 * It shows what the data layer alone costs on this machine. Not part of rebuy.
 *
 * Usage: node dist/bench/reference/duckdb-only.js IN.csv OUT.csv — prints {"seconds": …} (the query).
 */
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { DuckDBInstance } from '../../src/data/duckdb.js';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: duckdb-only.js IN.csv OUT.csv\n');
  process.exit(2);
}
const quoted = (text: string): string => `'${text.replaceAll("'", "''")}'`;

// The generated file's layout: ID, ten features, target. Typed and parsed as rebuy reads it.
const columns = Array.from({ length: 12 }, (_, i) => `'c${i}': '${i === 0 ? 'VARCHAR' : 'DOUBLE'}'`).join(', ');
const source =
  `read_csv(${quoted(input)}, columns = {${columns}}, header = true, auto_detect = false, strict_mode = true, ` +
  `delim = ',', quote = '"', escape = '"', compression = 'none', buffer_size = 1048576, parallel = true)`;
const logit = 'c1 * 1e-4 + c2 * 1e-4 + c3 * 1e-2 + c4 * 1e-2 + c5 + c6 * 1e-1 + c7 + c8 * 1e-3 + c9 + c10 * 1e-2 - 2';

const instance = await DuckDBInstance.create(':memory:', { memory_limit: '96MB', temp_directory: tmpdir() });
try {
  const connection = await instance.connect();
  const started = performance.now();
  await connection.run(
    `COPY (
       SELECT id, probability, (probability >= 0.5)::INTEGER AS label,
              row_number() OVER (ORDER BY probability DESC, seq) AS rank
       FROM (SELECT c0 AS id, (1 / (1 + exp(-(${logit}))))::FLOAT AS probability, row_number() OVER () AS seq FROM ${source})
       ORDER BY rank
     ) TO ${quoted(output)} (FORMAT csv, HEADER true)`,
  );
  // Flushed to disk, as rebuy's atomic write does (else the next process would pay for it).
  const written = await open(output, 'r+');
  await written.sync();
  await written.close();
  process.stdout.write(`${JSON.stringify({ seconds: (performance.now() - started) / 1000 })}\n`);
} finally {
  instance.closeSync();
}
