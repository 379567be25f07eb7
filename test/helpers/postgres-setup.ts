/**
 * A throwaway PostgreSQL cluster for the run: Debian's server binaries (`apt-get install postgresql`,
 * which .ci/run does), a data directory in the run's temp directory, listening on loopback only,
 * trusted local connections, stopped and removed after the run. initdb refuses to run as root, so
 * as root the server runs as the `postgres` system user the package creates.
 *
 * Tests read the connection string with `inject('postgresUrl')`; null with the reason in
 * `inject('postgresUnavailable')` when no server could be started (see test/helpers/postgres.ts).
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string | null;
    postgresUnavailable: string;
  }
}

const SERVER_ROOT = '/usr/lib/postgresql';
const USER = 'postgres';

/** The newest installed server's bin directory, or null. */
function serverBin(): string | null {
  if (!existsSync(SERVER_ROOT)) return null;
  const versions = readdirSync(SERVER_ROOT)
    .filter((v) => existsSync(join(SERVER_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(SERVER_ROOT, versions[0]!, 'bin') : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs a server binary as the invoking user, or as `postgres` when that is root. */
function runAsServerUser(command: string, args: string[]): { ok: boolean; output: string } {
  const asRoot = process.getuid?.() === 0;
  const result = asRoot ? spawnSync('runuser', ['-u', USER, '--', command, ...args], { encoding: 'utf8' }) : spawnSync(command, args, { encoding: 'utf8' });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`.trim() };
}

export default async function setup(project: TestProject): Promise<() => void> {
  const unavailable = (reason: string) => {
    project.provide('postgresUrl', null);
    project.provide('postgresUnavailable', reason);
    return () => {};
  };
  const bin = serverBin();
  if (bin === null) return unavailable(`no PostgreSQL server under ${SERVER_ROOT} (apt-get install postgresql)`);
  const asRoot = process.getuid?.() === 0;
  if (asRoot && spawnSync('id', ['-u', USER]).status !== 0) return unavailable(`running as root and there is no ${USER} user to run the server as`);

  const dir = mkdtempSync(join(tmpdir(), 'rebuy-postgres-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  if (asRoot) {
    const id = (flag: string) => Number(spawnSync('id', [flag, USER], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const data = join(dir, 'data');
  const init = runAsServerUser(join(bin, 'initdb'), ['-D', data, '-U', USER, '--auth=trust', '--no-sync', '--encoding=UTF8', '--locale=C']);
  if (!init.ok) {
    remove();
    return unavailable(`initdb failed: ${init.output.split('\n').slice(-2).join(' ')}`);
  }
  const port = await freePort();
  const log = join(dir, 'server.log');
  // fsync off and a socket directory of its own: a throwaway cluster, reached over TCP on loopback.
  const options = `-h 127.0.0.1 -p ${port} -k ${dir} -F -c max_connections=40`;
  const start = runAsServerUser(join(bin, 'pg_ctl'), ['-D', data, '-l', log, '-o', options, '-w', '-t', '60', 'start']);
  if (!start.ok) {
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-3).join(' ') : '';
    remove();
    return unavailable(`the server did not start: ${start.output} ${serverLog}`.trim());
  }
  project.provide('postgresUrl', `postgres://${USER}@127.0.0.1:${port}/postgres`);
  project.provide('postgresUnavailable', '');
  return () => {
    runAsServerUser(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    remove();
  };
}
