/**
 * A reference for the scoring benchmark: the same CSV→CSV job as `rebuy score` (read an Audiobooks
 * file, give every customer a probability, rank them best first, write id, probability, label and
 * rank, written atomically as rebuy writes) as one DuckDB query, with a fixed logistic formula in place of the model.
 * It shows what the data layer alone costs on this machine. Not part of rebuy.
 *
 * Usage: node dist/bench/reference/duckdb-only.js IN.csv OUT.csv — prints {"seconds": …} (the query).
 */
import { tmpdir } from 'node:os';
import { DuckDBInstance, sqlString } from '../../src/data/duckdb.js';
import { withAtomicPath } from '../../src/data/write.js';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: duckdb-only.js IN.csv OUT.csv\n');
  process.exit(2);
}

// The generated file's layout: ID, ten features, target. Typed and parsed as rebuy reads it.
const columns = Array.from({ length: 12 }, (_, i) => `'c${i}': '${i === 0 ? 'VARCHAR' : 'DOUBLE'}'`).join(', ');
const source =
  `read_csv(${sqlString(input)}, columns = {${columns}}, header = true, auto_detect = false, strict_mode = true, ` +
  `delim = ',', quote = '"', escape = '"', compression = 'none', buffer_size = 1048576, parallel = true)`;
const logit = 'c1 * 1e-4 + c2 * 1e-4 + c3 * 1e-2 + c4 * 1e-2 + c5 + c6 * 1e-1 + c7 + c8 * 1e-3 + c9 + c10 * 1e-2 - 2';

const instance = await DuckDBInstance.create(':memory:', { memory_limit: '96MB', temp_directory: tmpdir() });
try {
  const connection = await instance.connect();
  const started = performance.now();
  // Written as rebuy writes (temporary file, flushed to disk, renamed): else the next process pays for the flush.
  await withAtomicPath(output, (tmpPath) =>
    connection.run(
      `COPY (
         SELECT id, probability, (probability >= 0.5)::INTEGER AS label,
                row_number() OVER (ORDER BY probability DESC, seq) AS rank
         FROM (SELECT c0 AS id, (1 / (1 + exp(-(${logit}))))::FLOAT AS probability, row_number() OVER () AS seq FROM ${source})
         ORDER BY rank
       ) TO ${sqlString(tmpPath)} (FORMAT csv, HEADER true)`,
    ),
  );
  process.stdout.write(`${JSON.stringify({ seconds: (performance.now() - started) / 1000 })}\n`);
} finally {
  instance.closeSync();
}
