/**
 * npm run bench:serve — the HTTP service's figures on this machine (a script, not a test).
 * Starts `rebuy serve` in a child process on loopback, then:
 *   1. single-customer predictions, autocannon, --duration seconds;
 *   2. 1,000-customer batches, autocannon, --duration seconds;
 *   3. overload: --overload-connections clients (100) sending 1,000-customer batches with reasons=3
 *      for at most --overload-seconds (15) and --overload-requests (5000) requests, while /readyz is
 *      polled: answers by status (503 shed vs any other 5xx), p99 of the accepted requests, readyz
 *      p99, and the server's peak RSS during the phase;
 *   4. a 1M-row CSV upload to /v1/scores, rows/s;
 * and reports requests/s, p50/p99 latency, errors and the server's peak RSS (VmHWM).
 * Flags: --duration S (60), --connections N (10), --batch-connections N (2: on 2 cores two batches in
 *        flight already saturate the server; more only add queueing), --csv-rows N (1000000),
 *        --model DIR (default: train a 2x50 bundle on the real data once, cached in the temp dir),
 *        --skip-csv, --skip-overload, --json. All traffic goes to the server's loopback address.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { AUDIOBOOKS_COLUMNS } from '../src/domain/audiobooks.js';
import { flag, fmt, has, requireRealData } from './common.js';

const TARGETS = { singleRps: 2000, singleP99Ms: 10, batchP99Ms: 20, csvRowsPerSecond: 500_000, overloadP99Ms: 5000, readyzP99Ms: 100, overloadRssMb: 1024 };
const log = (line: string): boolean => process.stderr.write(`${line}\n`);

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

// ---- the server child ----

async function runChild(): Promise<void> {
  const { runServe } = await import('../src/cli/serve.js');
  const server = await runServe(
    { model: option('model')!, port: 0, rateLimit: 0, maxUploadMb: 1000, logLevel: 'error' },
    { log: (line) => process.stderr.write(`[server] ${line}\n`) },
  );
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
}

// ---- the driver ----

async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) / 1024 : Number.NaN;
}

async function ensureModel(): Promise<string> {
  const given = option('model');
  if (given) return given;
  const dir = join(tmpdir(), 'rebuy-bench-serve-model');
  if (existsSync(join(dir, 'manifest.json'))) {
    try {
      const { loadPredictor } = await import('../src/predict/predictor.js');
      await (await loadPredictor(dir)).close();
      return dir;
    } catch {
      await rm(dir, { recursive: true, force: true });
    }
  }
  log('training a 2x50 bundle on the real data (once; cached in the temp dir)…');
  const { trainBundle } = await import('../src/app/train.js');
  await trainBundle({ data: requireRealData(), out: dir, preset: '2x50', balance: 'random', split: [0.8, 0.1, 0.1], seed: 0, baseline: false });
  return dir;
}

function startServer(model: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', '--model', model], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve({ child, url: (JSON.parse(line) as { url: string }).url });
    });
    child.on('exit', (code) => reject(new Error(`the server exited early (code ${code})`)));
    child.on('error', reject);
  });
}

/** Customers from the real file, keyed by the canonical Audiobooks names. */
async function realCustomers(n: number): Promise<Record<string, number | string>[]> {
  const lines = (await readFile(requireRealData(), 'utf8')).trim().split(/\r?\n/).slice(1);
  const names = AUDIOBOOKS_COLUMNS.filter((c) => c !== 'target');
  return Array.from({ length: n }, (_, i) => {
    const cells = lines[i % lines.length]!.split(',');
    return Object.fromEntries(names.map((name, j) => [name, name === 'id' ? String(cells[j]) : Number(cells[j])]));
  });
}

interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  requests: number;
}

async function load(url: string, body: string, connections: number, duration: number): Promise<LoadResult> {
  const r = await autocannon({
    url: `${url}/v1/predictions`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration,
  });
  return {
    requestsPerSecond: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    requests: r.requests.total,
  };
}

async function bigCsv(rows: number): Promise<string> {
  const path = join(tmpdir(), `rebuy-bench-serve-${rows}.csv`);
  if (existsSync(path)) return path;
  const source = (await readFile(requireRealData(), 'utf8')).trim().split(/\r?\n/);
  const header = source[0]!;
  const body = source.slice(1).map((l) => l.slice(l.indexOf(',')));
  const parts: string[] = [header];
  for (let i = 0; i < rows; i++) parts.push(`${i + 1}${body[i % body.length]}`);
  await writeFile(path, `${parts.join('\n')}\n`);
  return path;
}

interface UploadRun {
  seconds: number;
  /** Until the last byte was sent. */
  uploadSeconds: number;
  /** scoreFile's own time, from x-rebuy-seconds. */
  scoreSeconds: number;
  status: number;
  rows: number;
}

function uploadCsv(url: string, path: string, bytes: number): Promise<UploadRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let uploadSeconds = Number.NaN;
    const target = new URL(`${url}/v1/scores`);
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'text/csv', 'content-length': bytes } },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            seconds: (performance.now() - started) / 1000,
            uploadSeconds,
            scoreSeconds: Number(res.headers['x-rebuy-seconds']),
            status: res.statusCode ?? 0,
            rows: Number(res.headers['x-rebuy-rows']),
          }),
        );
      },
    );
    req.on('error', reject);
    req.on('finish', () => (uploadSeconds = (performance.now() - started) / 1000));
    createReadStream(path).pipe(req);
  });
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) / 1024 : Number.NaN;
}

function percentile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

interface OverloadResult {
  connections: number;
  seconds: number;
  requests: number;
  byStatus: Record<string, number>;
  shed503: number;
  other5xx: number;
  clientErrors: number;
  acceptedP50Ms: number;
  acceptedP99Ms: number;
  readyzP99Ms: number;
  readyzMaxMs: number;
  readyzFailures: number;
  peakRssMb: number;
}

/** Polls a URL every 50 ms until its standard input closes, then prints the latencies and failures. */
const READYZ_POLLER = `
const url = process.argv[1];
const latencies = [];
let failures = 0;
let done = false;
process.stdin.on('end', () => (done = true)).resume();
while (!done) {
  const started = performance.now();
  const res = await fetch(url, { signal: AbortSignal.timeout(10000) }).catch(() => null);
  latencies.push(performance.now() - started);
  if (res === null || res.status !== 200) failures++;
  await res?.arrayBuffer().catch(() => undefined);
  await new Promise((r) => setTimeout(r, 50));
}
process.stdout.write(JSON.stringify({ latencies, failures }));
`;

/**
 * Many clients, each sending heavy requests back to back until the time or the request count is up
 * (each request also gives up after a timeout, as an impatient client would), while /readyz is
 * polled and the server's RSS sampled.
 */
async function overload(url: string, pid: number, body: string, connections: number, seconds: number, maxRequests: number): Promise<OverloadResult> {
  if (!/^http:\/\/(127\.\d+\.\d+\.\d+|\[::1\]|localhost)(:\d+)?$/.test(url)) throw new Error(`overload traffic goes to loopback only, not ${url}`);
  const deadline = performance.now() + seconds * 1000;
  const byStatus: Record<string, number> = {};
  const accepted: number[] = [];
  let sent = 0;
  let clientErrors = 0;
  let peakRss = await rssMb(pid);
  const sampler = setInterval(() => void rssMb(pid).then((mb) => (peakRss = Math.max(peakRss, mb))), 100);
  // Polled from a process of its own, so the figures are the server's and not this busy driver's.
  const poller = spawn(process.execPath, ['--input-type=module', '-e', READYZ_POLLER, `${url}/readyz`], { stdio: ['pipe', 'pipe', 'inherit'] });
  let pollerOut = '';
  poller.stdout!.on('data', (d: Buffer) => (pollerOut += d.toString()));
  const pollerDone = new Promise<void>((resolve) => poller.once('exit', () => resolve()));
  const client = async (): Promise<void> => {
    while (performance.now() < deadline && sent < maxRequests) {
      sent++;
      const started = performance.now();
      try {
        const res = await fetch(`${url}/v1/predictions?reasons=3`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(Math.max(1, Math.round(deadline - performance.now() + 5000))),
        });
        await res.arrayBuffer();
        byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
        if (res.status === 200) accepted.push(performance.now() - started);
        // A shed client waits as it is told before trying again.
        if (res.status === 503) await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
      } catch (err) {
        clientErrors++;
        if (clientErrors === 1) log(`   first client error: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, client));
  const elapsed = (performance.now() - started) / 1000;
  poller.stdin!.end();
  await pollerDone;
  clearInterval(sampler);
  const { latencies: readyz, failures: readyzFailures } = JSON.parse(pollerOut || '{"latencies":[],"failures":-1}') as { latencies: number[]; failures: number };
  const other5xx = Object.entries(byStatus).filter(([status]) => status >= '500' && status !== '503').reduce((a, [, n]) => a + n, 0);
  return {
    connections,
    seconds: elapsed,
    requests: sent,
    byStatus,
    shed503: byStatus['503'] ?? 0,
    other5xx,
    clientErrors,
    acceptedP50Ms: percentile(accepted, 0.5),
    acceptedP99Ms: percentile(accepted, 0.99),
    readyzP99Ms: percentile(readyz, 0.99),
    readyzMaxMs: Math.max(...readyz),
    readyzFailures,
    peakRssMb: peakRss,
  };
}

function verdict(ok: boolean): string {
  return ok ? 'meets target' : 'BELOW TARGET';
}

async function main(): Promise<void> {
  const duration = flag('duration', 60);
  const connections = flag('connections', 10);
  const batchConnections = flag('batch-connections', 2);
  const csvRows = flag('csv-rows', 1_000_000);
  const model = await ensureModel();
  const { child, url } = await startServer(model);
  const summary: Record<string, unknown> = { machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, duration };
  try {
    const customers = await realCustomers(1000);
    log(`1. single-customer predictions: ${connections} connections, ${duration} s`);
    await load(url, JSON.stringify(customers[0]), connections, Math.min(3, duration)); // warm-up
    const single = await load(url, JSON.stringify(customers[0]), connections, duration);
    summary.single = single;
    log(`2. 1,000-customer batches: ${batchConnections} connections, ${duration} s`);
    const batch = await load(url, JSON.stringify({ customers }), batchConnections, duration);
    summary.batch = { ...batch, customersPerSecond: batch.requestsPerSecond * 1000 };
    if (!has('skip-overload')) {
      const overloadConnections = flag('overload-connections', 100);
      const overloadSeconds = flag('overload-seconds', 15);
      log(`3. overload: ${overloadConnections} connections of 1,000-customer batches with reasons=3, at most ${overloadSeconds} s`);
      summary.overload = await overload(url, child.pid!, JSON.stringify({ customers }), overloadConnections, overloadSeconds, flag('overload-requests', 5000));
    }
    if (!has('skip-csv')) {
      log(`4. CSV upload: ${csvRows.toLocaleString('en')} rows`);
      const path = await bigCsv(csvRows);
      const { size } = await stat(path);
      const run = await uploadCsv(url, path, size);
      if (run.status !== 200 || run.rows !== csvRows) throw new Error(`CSV upload answered ${run.status} with ${run.rows} rows`);
      summary.csv = { megabytes: size / 2 ** 20, ...run, rowsPerSecond: csvRows / run.seconds };
    }
    summary.serverPeakRssMb = await peakRssMb(child.pid!);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }

  const s = summary.single as LoadResult;
  const b = summary.batch as LoadResult & { customersPerSecond: number };
  const c = summary.csv as (UploadRun & { rowsPerSecond: number; megabytes: number }) | undefined;
  console.log(`\nrebuy serve on ${(summary.machine as { cpus: number }).cpus} cores, ${duration} s per run (autocannon in the same machine):`);
  console.log(
    `  single customer   ${connections} connections: ${Math.round(s.requestsPerSecond).toLocaleString('en')} req/s, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, errors ${s.errors}, non-2xx ${s.non2xx}` +
      `  [${verdict(s.requestsPerSecond >= TARGETS.singleRps && s.p99Ms <= TARGETS.singleP99Ms)}: ≥ ${TARGETS.singleRps} req/s, p99 ≤ ${TARGETS.singleP99Ms} ms]`,
  );
  console.log(
    `  1,000-customer    ${batchConnections} connections: ${fmt(b.requestsPerSecond, 1)} req/s (${Math.round(b.customersPerSecond).toLocaleString('en')} customers/s), p50 ${b.p50Ms} ms, p99 ${b.p99Ms} ms, errors ${b.errors}, non-2xx ${b.non2xx}` +
      `  [${verdict(b.p99Ms <= TARGETS.batchP99Ms)}: p99 ≤ ${TARGETS.batchP99Ms} ms]`,
  );
  if (c) {
    console.log(
      `  CSV upload        ${c.rows.toLocaleString('en')} rows (${fmt(c.megabytes, 0)} MB) in ${fmt(c.seconds, 2)} s = ${Math.round(c.rowsPerSecond).toLocaleString('en')} rows/s ` +
        `(sent in ${fmt(c.uploadSeconds, 2)} s, scoreFile ${fmt(c.scoreSeconds, 2)} s)` +
        `  [${verdict(c.rowsPerSecond >= TARGETS.csvRowsPerSecond)}: ≥ ${TARGETS.csvRowsPerSecond.toLocaleString('en')} rows/s]`,
    );
  }
  const o = summary.overload as OverloadResult | undefined;
  if (o) {
    const ok = o.other5xx === 0 && o.acceptedP99Ms <= TARGETS.overloadP99Ms && o.readyzP99Ms <= TARGETS.readyzP99Ms && o.peakRssMb <= TARGETS.overloadRssMb;
    console.log(
      `  overload          ${o.connections} connections, reasons=3, ${fmt(o.seconds, 1)} s: ${o.requests} requests, statuses ${JSON.stringify(o.byStatus)}, 503 shed ${o.shed503}, other 5xx ${o.other5xx}, client errors ${o.clientErrors}; ` +
        `accepted p50 ${fmt(o.acceptedP50Ms, 0)} ms, p99 ${fmt(o.acceptedP99Ms, 0)} ms; readyz p99 ${fmt(o.readyzP99Ms, 1)} ms (max ${fmt(o.readyzMaxMs, 1)}, failures ${o.readyzFailures}); peak RSS ${fmt(o.peakRssMb, 0)} MB` +
        `  [${verdict(ok)}: no 5xx but 503, accepted p99 ≤ ${TARGETS.overloadP99Ms} ms, readyz p99 ≤ ${TARGETS.readyzP99Ms} ms, RSS ≤ ${TARGETS.overloadRssMb} MB]`,
    );
  }
  console.log(`  server peak RSS   ${fmt(summary.serverPeakRssMb as number, 0)} MB (VmHWM)`);
  if (has('json')) console.log(JSON.stringify(summary, null, 2));
}

if (has('child')) await runChild();
else {
  await mkdir(tmpdir(), { recursive: true });
  await main();
}
