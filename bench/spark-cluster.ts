/**
 * A standalone Spark cluster on this machine (a master and one-core workers on loopback), started
 * from the pyspark installation of the project's Python environment: for the Spark bench and tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const LOOPBACK = '127.0.0.1';

/** A port nothing listens on at this moment. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `probe` until it answers non-null; each poll waits for the previous answer (a state, not a duration). */
export async function waitFor<T>(what: string, probe: () => Promise<T | null>, attempts = 1200): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`gave up waiting for ${what}`);
}

export interface MasterState {
  status: string;
  workers: { id: string; state: string }[];
  activeapps: { id: string; state: string }[];
}

export interface LocalCluster {
  /** spark://127.0.0.1:PORT */
  url: string;
  state(): Promise<MasterState>;
  /** Ends an application as the master's web page does ("kill"). */
  killApplication(id: string): Promise<void>;
  workers: ChildProcess[];
  /** Ends every JVM it started (each in a process group of its own, executors included). */
  stop(): Promise<void>;
}

/** Spark's home inside the venv's pyspark package. */
function sparkHome(venv: string): string {
  const lib = readdirSync(join(venv, 'lib')).find((name) => name.startsWith('python3'))!;
  return join(venv, 'lib', lib, 'site-packages', 'pyspark');
}

export async function startLocalCluster(venv: string, workDir: string, workers = 2): Promise<LocalCluster> {
  const [port, ui] = [await freePort(), await freePort()];
  const env = { ...process.env, SPARK_HOME: sparkHome(venv), SPARK_LOCAL_IP: LOOPBACK, SPARK_DAEMON_MEMORY: '384m', SPARK_MASTER_OPTS: '-Dspark.master.rest.enabled=false' };
  const started: ChildProcess[] = [];
  const daemon = (args: string[]) => {
    const child = spawn(join(venv, 'bin', 'spark-class'), args, { env, detached: true, stdio: 'ignore' });
    started.push(child);
    return child;
  };
  const url = `spark://${LOOPBACK}:${port}`;
  const state = async () => (await (await fetch(`http://${LOOPBACK}:${ui}/json/`)).json()) as MasterState;
  const stop = async () => {
    for (const child of started) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        continue;
      }
      await exited;
    }
  };
  try {
    daemon(['org.apache.spark.deploy.master.Master', '--host', LOOPBACK, '--port', String(port), '--webui-port', String(ui)]);
    await waitFor('the Spark master', async () => ((await state()).status === 'ALIVE' ? true : null));
    const children = [];
    for (let k = 0; k < workers; k++) {
      children.push(daemon(['org.apache.spark.deploy.worker.Worker', '--host', LOOPBACK, '--cores', '1', '--memory', '1g', '--webui-port', String(await freePort()), '--work-dir', join(workDir, `work-${k}`), url]));
    }
    await waitFor(`${workers} Spark workers`, async () => ((await state()).workers.filter((w) => w.state === 'ALIVE').length === workers ? true : null));
    return {
      url,
      state,
      workers: children,
      stop,
      killApplication: async (id) => {
        const answer = await fetch(`http://${LOOPBACK}:${ui}/app/kill/`, { method: 'POST', body: new URLSearchParams({ id, terminate: 'true' }) });
        if (!answer.ok) throw new Error(`the master refused to kill ${id}: HTTP ${answer.status}`);
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
