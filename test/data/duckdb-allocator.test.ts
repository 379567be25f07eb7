import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The loader the tests and (bundled) the build use: it sets DuckDB's allocator up as it loads.
const LOADER = fileURLToPath(new URL('../../build/duckdb.cjs', import.meta.url));

// A fresh process (jemalloc is configured once per process) runs one query six times, each a grouping
// of 3 million keys that holds about 150 MB until it ends: how much its memory grew after each run.
const PROBE = `
const { DuckDBInstance } = require(process.argv[1]);
(async () => {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  const before = process.memoryUsage.rss();
  const grewMb = [];
  for (let run = 0; run < 6; run++) {
    await connection.run('SELECT count(*) FROM (SELECT range AS k, count(*) FROM range(3000000) GROUP BY k)');
    grewMb.push((process.memoryUsage.rss() - before) / 2 ** 20);
  }
  console.log(JSON.stringify({ grewMb, conf: process.env.DUCKDB_JE_MALLOC_CONF ?? null }));
  connection.closeSync();
  instance.closeSync();
})();
`;

function probe(conf: string | undefined): { grewMb: number[]; conf: string | null } {
  const run = spawnSync(process.execPath, ['-e', PROBE, LOADER], { encoding: 'utf8', env: { ...process.env, DUCKDB_JE_MALLOC_CONF: conf } });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { grewMb: number[]; conf: string | null };
}

describe("DuckDB's allocator", () => {
  it('lets each query reuse the memory the one before freed, and leaves no variable behind', () => {
    const { grewMb, conf } = probe(undefined);
    const [first, last] = [grewMb[0]!, grewMb[5]!];
    // With one arena each run reuses what the run before freed; jemalloc's own default (an arena per
    // core) took new memory for the second run already.
    expect(first).toBeGreaterThan(50);
    expect(last).toBeLessThan(1.9 * first);
    expect(conf).toBeNull();
  });

  it("keeps the user's own setting (here: freed memory goes back to the system at once)", () => {
    const { grewMb, conf } = probe('dirty_decay_ms:0,muzzy_decay_ms:0');
    expect(Math.max(...grewMb)).toBeLessThan(40);
    expect(conf).toBe('dirty_decay_ms:0,muzzy_decay_ms:0');
  });
});
