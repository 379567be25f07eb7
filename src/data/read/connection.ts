/** DuckDB instances for reading: the settings they run with, and a connection for one piece of work. */
import { availableParallelism } from 'node:os';
import { DuckDBInstance, type DuckDBConnection } from '../duckdb.js';

const DUCKDB_CONFIG: Record<string, string> = { preserve_insertion_order: 'true' };

/**
 * A stream lets DuckDB parse ahead while JavaScript works on earlier chunks: into a buffer of many chunks,
 * with a thread more than the cores, because DuckDB counts the thread that fetches as one of its
 * threads and that thread waits while JavaScript is busy.
 */
export const STREAM_CONFIG: Record<string, string> = {
  ...DUCKDB_CONFIG,
  threads: String(availableParallelism() + 1),
  // A stream holds only what is read ahead: a bound keeps a huge file from costing more than a small one.
  memory_limit: '64MB',
};

export const STREAM_BUFFER = "SET streaming_buffer_size = '8MB'";

export async function withConnection<T>(work: (con: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:', DUCKDB_CONFIG);
  try {
    const con = await instance.connect();
    try {
      return await work(con);
    } finally {
      con.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
