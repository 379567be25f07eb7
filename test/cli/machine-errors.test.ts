/**
 * The user's and the machine's problems end with exit 2 and one line naming the path or port, never
 * "internal error" with a stack; `-` is standard output; score files are safe to open in a
 * spreadsheet; no process leaves onnxruntime's telemetry behind.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServe } from '../../src/cli/serve.js';
import { generateAudiobooksSample } from '../../src/data/sample.js';
import { DuckDBInstance, sqlString } from '../../src/data/duckdb.js';
import { isRebuyError } from '../../src/errors.js';
import { fakePredictor } from '../server/fakes.js';
import { CLI } from '../helpers/paths.js';

/** The id column of a scores file, as DuckDB reads it (CSV quoting undone, Parquet as stored). */
async function idsOf(path: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(`SELECT id::VARCHAR FROM ${path.endsWith('.csv') ? `read_csv(${sqlString(path)}, all_varchar = true)` : sqlString(path)}`);
    return reader.getRows().map((row) => String(row[0]));
  } finally {
    instance.closeSync();
  }
}

const asRoot = process.getuid?.() === 0;
/** Run as another user when root, so that permissions mean something. */
const NOBODY = 65534;

let dir: string;
let model: string;
let input: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-machine-errors-'));
  // Readable by the unprivileged user the permission tests run as.
  await chmod(dir, 0o755);
  model = join(dir, 'model');
  input = join(dir, 'customers.csv');
  await writeFile(input, generateAudiobooksSample({ rows: 400, seed: 2 }));
  const trained = rebuy(['train', '--data', input, '--out', model, '--preset', '2x10', '--epochs', '2', '--no-baseline']);
  expect(trained.status, trained.stderr).toBe(0);
  spawnSync('chmod', ['-R', 'a+rX', model]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function rebuy(args: string[], options: SpawnSyncOptions = {}): { status: number | null; stdout: string; stderr: string; pid: number } {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000, ...options, env: { ...process.env, FORCE_COLOR: '0', ...options.env } });
  return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr), pid: result.pid ?? -1 };
}

/** Exit 2 and exactly one line on stderr, naming `subject`. */
function expectOneLine(result: { status: number | null; stderr: string }, subject: string, problem: RegExp): void {
  expect(result.status, result.stderr).toBe(2);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toContain(subject);
  expect(lines[0]).toMatch(problem);
  expect(lines[0]).not.toMatch(/internal error/);
}

describe('inputs the machine refuses', () => {
  it('a symlink loop', async () => {
    await symlink('loop-2.csv', join(dir, 'loop-1.csv'));
    await symlink('loop-1.csv', join(dir, 'loop-2.csv'));
    expectOneLine(rebuy(['score', '--model', model, '--in', join(dir, 'loop-1.csv'), '--out', join(dir, 's.csv')]), 'loop-1.csv', /symbolic links/);
  });

  it('a name too long', () => {
    const long = join(dir, `${'x'.repeat(300)}.csv`);
    expectOneLine(rebuy(['score', '--model', model, '--in', long, '--out', join(dir, 's.csv')]), long, /file name too long/);
  });

  it('a file that cannot be read', async () => {
    const locked = join(dir, 'locked.csv');
    await writeFile(locked, await readFile(input));
    await chmod(locked, 0o000);
    const out = join(dir, 'open');
    await mkdir(out);
    await chmod(out, 0o1777);
    // Its temp directory one that user may write to, so that the input is the first thing refused.
    const result = rebuy(['score', '--model', model, '--in', locked, '--out', join(out, 's.csv')], {
      env: { TMPDIR: out },
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    expectOneLine(result, locked, /permission denied/);
  });
});

describe('--out the machine refuses', () => {
  const score = (out: string, options: SpawnSyncOptions = {}) => rebuy(['score', '--model', model, '--in', input, '--out', out], options);

  it('a directory, for scores, reports and bundles', async () => {
    const sub = join(dir, 'a-dir');
    await mkdir(sub);
    await writeFile(join(sub, 'keep.txt'), 'k');
    expectOneLine(score(sub), sub, /is a directory/);
    expectOneLine(rebuy(['report', '--model', model, '--out', sub]), sub, /is a directory/);
    expectOneLine(rebuy(['train', '--data', input, '--out', sub, '--preset', '2x10', '--epochs', '1']), sub, /not a model bundle/);
    expect(await readdir(sub)).toEqual(['keep.txt']);
  });

  it('a file in a missing directory', () => {
    expectOneLine(score(join(dir, 'missing', 's.csv')), join(dir, 'missing'), /does not exist/);
  });

  it('a file in a directory this user cannot write to', async () => {
    const closed = join(dir, 'closed');
    await mkdir(closed);
    await chmod(closed, 0o555);
    const result = score(join(closed, 's.csv'), asRoot ? { uid: NOBODY, gid: NOBODY } : {});
    expectOneLine(result, closed, /permission denied/);
  });

  it('a full disk: standard output on /dev/full', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const result = rebuy(['score', '--model', model, '--in', input, '--out', '-'], { stdio: ['ignore', full, 'pipe'] });
      expectOneLine(result, 'standard output', /no space left on device/);
    } finally {
      closeSync(full);
    }
  });

  it('prep into a file, or onto standard output', async () => {
    expectOneLine(rebuy(['prep', '--data', input, '--out', input]), input, /not a directory/);
    expectOneLine(rebuy(['prep', '--data', input, '--out', '-']), '-', /name a directory/);
  });
});

describe('- is standard output', () => {
  it('score --out - writes the same bytes as the file, and nothing else on stdout', () => {
    const file = join(dir, 'to-file.csv');
    expect(rebuy(['score', '--model', model, '--in', input, '--out', file]).status).toBe(0);
    const piped = rebuy(['score', '--model', model, '--in', input, '--out', '-']);
    expect(piped.status, piped.stderr).toBe(0);
    return readFile(file, 'utf8').then((text) => {
      expect(piped.stdout).toBe(text);
      expect(piped.stderr).toMatch(/scored 400 customers/);
      expect(existsSync(join(dir, '-'))).toBe(false);
    });
  });

  it('report --out - prints the page the bundle keeps', async () => {
    const printed = rebuy(['report', '--model', model, '--out', '-']);
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toBe(await readFile(join(model, 'report.html'), 'utf8'));
  });
});

describe('IDs a spreadsheet would run as formulas', () => {
  it('CSV scores carry them with an apostrophe (as the page download does); plain numbers and Parquet stay as they are', async () => {
    const rows = (await readFile(input, 'utf8')).split('\n');
    const ids = ['=HYPERLINK("http://x","y")', '+cmd', '-2+3', '@SUM(A1)', '-5', '+1.5'];
    const header = rows[0]!.split(',');
    const idColumn = header.findIndex((h) => /id/i.test(h));
    const crafted = [rows[0], ...ids.map((id, i) => {
      const fields = rows[i + 1]!.split(',');
      fields[idColumn] = id.includes(',') || id.includes('"') ? `"${id.replace(/"/g, '""')}"` : id;
      return fields.join(',');
    })].join('\n');
    const craftedCsv = join(dir, 'formulas.csv');
    await writeFile(craftedCsv, `${crafted}\n`);
    const out = join(dir, 'formulas-scores.csv');
    const result = rebuy(['score', '--model', model, '--in', craftedCsv, '--out', out]);
    expect(result.status, result.stderr).toBe(0);
    expect((await idsOf(out)).sort()).toEqual(["'+cmd", "'-2+3", "'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(A1)", '+1.5', '-5'].sort());
    const piped = rebuy(['score', '--model', model, '--in', craftedCsv, '--out', '-']);
    expect(piped.stdout).toBe(await readFile(out, 'utf8'));
    const parquet = join(dir, 'formulas-scores.parquet');
    expect(rebuy(['score', '--model', model, '--in', craftedCsv, '--out', parquet]).status).toBe(0);
    expect((await idsOf(parquet)).sort()).toEqual([...ids].sort());
  });
});

describe("onnxruntime's telemetry", () => {
  it('a scoring process leaves no mat-debug log, even when the environment does not turn telemetry off', async () => {
    const own = join(dir, 'own-tmp');
    await mkdir(own);
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: own };
    delete env.ORT_DISABLE_TELEMETRY;
    const result = spawnSync(process.execPath, [CLI, 'score', '--model', model, '--in', input, '--out', join(dir, 't.csv')], { env, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    for (const where of [own, tmpdir(), '/tmp']) expect(existsSync(join(where, `mat-debug-${result.pid}.log`)), where).toBe(false);
  });
});

describe('serve: the port and the host', () => {
  const deps = { loadPredictor: async () => fakePredictor(), signals: false, log: () => {} } as const;

  it('a port in use is exit 2 naming it', async () => {
    const taken: Server = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    const port = (taken.address() as { port: number }).port;
    try {
      const err = await runServe({ model: 'm', port }, deps).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isRebuyError(err) && [err.exitCode, err.message]).toEqual([2, `cannot listen on 127.0.0.1 port ${port}: address already in use`]);
    } finally {
      taken.close();
    }
  });

  it('--host [::1] (a URL-style IPv6 address) listens on ::1, or says in one line why it cannot', async () => {
    const server = await runServe({ model: 'm', host: '[::1]', port: 0 }, deps).catch((e: unknown) => e);
    if (isRebuyError(server)) {
      expect([server.exitCode, server.message]).toEqual([2, expect.stringMatching(/^cannot listen on \[::1\] port 0: /)]);
      return;
    }
    const running = server as Awaited<ReturnType<typeof runServe>>;
    expect(running.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
    await running.close();
  });
});
