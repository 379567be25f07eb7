/** `rebuy serve` (runServe): startup checks, a real socket, reload on SIGHUP, graceful shutdown. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runServe, type RunningServer, type ServeDeps } from '../../src/cli/serve.js';
import { bundleError, RebuyError } from '../../src/errors.js';
import { isLoopback } from '../../src/server/auth.js';
import { createGate, fakePredictor, type Gate } from './fakes.js';
import { TEST_KEY } from './helpers.js';

let dir: string;
const running: RunningServer[] = [];
const lines: string[] = [];

/** The dependencies of runServe over fake predictors; with a gate, predictions wait at it. */
function deps(extra: Partial<ServeDeps> = {}, gate?: Gate): ServeDeps {
  let n = 0;
  return {
    loadPredictor: async (bundle) => {
      if (bundle.includes('broken')) throw bundleError(bundle, 'manifest.json: hash mismatch');
      n++;
      return fakePredictor({ hash: String(n).padStart(64, '0'), gate });
    },
    env: {},
    signals: false,
    log: (line) => lines.push(line),
    ...extra,
  };
}

async function start(flags: Parameters<typeof runServe>[0], extra: Partial<ServeDeps> = {}, gate?: Gate): Promise<RunningServer> {
  const server = await runServe(flags, deps(extra, gate));
  running.push(server);
  return server;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-serve-test-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('startup', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', 'example.com', '10.0.0.1']) expect(isLoopback(h), h).toBe(false);
  });

  it('refuses to listen beyond loopback without an API key', async () => {
    const err = await runServe({ model: 'm', host: '0.0.0.0', port: 0 }, deps()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RebuyError);
    expect((err as RebuyError).code).toBe('USAGE');
    expect((err as RebuyError).message).toMatch(/refusing to listen on 0\.0\.0\.0 without an API key.*REBUY_API_KEY.*--api-key-file/);
  });

  it('listens beyond loopback with a key from the environment, and requires it', async () => {
    const server = await start({ model: 'm', host: '0.0.0.0', port: 0 }, { env: { REBUY_API_KEY: TEST_KEY } });
    const port = new URL(server.url).port;
    const without = await fetch(`http://127.0.0.1:${port}/v1/model`);
    expect(without.status).toBe(401);
    const withKey = await fetch(`http://127.0.0.1:${port}/v1/model`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(withKey.status).toBe(200);
  });

  it('reads the key from a file, and refuses a short one or a missing file', async () => {
    const good = join(dir, 'key');
    await writeFile(good, `${TEST_KEY}\n`);
    const server = await start({ model: 'm', port: 0, apiKeyFile: good });
    expect((await fetch(`${server.url}/v1/model`, { headers: { 'x-api-key': TEST_KEY } })).status).toBe(200);
    const short = join(dir, 'short');
    await writeFile(short, 'abc');
    await expect(runServe({ model: 'm', port: 0, apiKeyFile: short }, deps())).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/too short/) });
    await expect(runServe({ model: 'm', port: 0, apiKeyFile: join(dir, 'none') }, deps())).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('rejects bad numbers', async () => {
    await expect(runServe({ model: 'm', port: 70000 }, deps())).rejects.toMatchObject({ code: 'USAGE' });
    await expect(runServe({ model: 'm', port: 0, maxBatch: 0 }, deps())).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('fails with the bundle error and frees the port when the first model does not verify', async () => {
    await expect(runServe({ model: '/bundles/broken', port: 0 }, deps())).rejects.toMatchObject({ code: 'BUNDLE_INVALID' });
  });

  it('binds 127.0.0.1 by default and says where', async () => {
    const server = await start({ model: 'm', port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines.some((l) => l.includes(`listening on ${server.url}`))).toBe(true);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});

describe('signals', () => {
  /** Runs `body` with only runServe's listeners on `signal` (the test runner's own are set aside). */
  async function withOwnListeners(signals: NodeJS.Signals[], body: () => Promise<void>): Promise<void> {
    const saved = signals.map((s) => [s, process.listeners(s)] as const);
    for (const [s] of saved) process.removeAllListeners(s);
    try {
      await body();
    } finally {
      for (const [s, listeners] of saved) {
        process.removeAllListeners(s);
        for (const l of listeners) process.on(s, l as NodeJS.SignalsListener);
      }
    }
  }

  it('SIGHUP reloads the model; SIGTERM lets requests in flight finish, then closes', async () => {
    await withOwnListeners(['SIGHUP', 'SIGTERM', 'SIGINT'], async () => {
      const gate = createGate();
      const server = await runServe({ model: 'm', port: 0 }, deps({ signals: true }, gate));
      const before = (await (await fetch(`${server.url}/v1/model`)).json()).hash;
      process.emit('SIGHUP');
      await expect.poll(async () => (await (await fetch(`${server.url}/v1/model`)).json()).hash).not.toBe(before);

      const inFlight = fetch(`${server.url}/v1/predictions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 1, completion: 0.5 }),
      });
      await gate.arrived(1);
      process.emit('SIGTERM');
      await expect.poll(() => server.app.server.listening).toBe(false);
      gate.open();
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      await expect.poll(() => lines.includes('rebuy: stopped')).toBe(true);
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
      expect(process.listenerCount('SIGTERM')).toBe(0);
    });
  });
});

describe('reload restrictions', () => {
  it('SIGTERM is not queued behind a reload stuck in loading', async () => {
    const stuck = createGate();
    let loads = 0;
    const server = await runServe(
      { model: 'm', port: 0 },
      deps({
        loadPredictor: async () => {
          loads++;
          if (loads === 2) await stuck.pass();
          return fakePredictor({ hash: String(loads).padStart(64, '0') });
        },
      }),
    );
    const reloading = server.reload().catch((err: unknown) => err);
    await stuck.arrived(1);
    await server.close();
    expect(lines).toContain('rebuy: stopped');
    stuck.open();
    await reloading;
  });

  it('--models-root lets reload name directories inside it, and nothing outside', async () => {
    const server = await start({ model: join(dir, 'models', 'a'), port: 0, modelsRoot: join(dir, 'models') });
    const reload = (model: string) =>
      fetch(`${server.url}/v1/model/reload`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model }) });
    expect((await reload('b')).status).toBe(200);
    expect((await reload(join(dir, 'models', 'c'))).status).toBe(200);
    expect((await reload(join(dir, 'elsewhere'))).status).toBe(403);
    expect((await reload('../elsewhere')).status).toBe(403);
  });
});

describe('graceful close', () => {
  it('finishes a request in flight and closes promptly, keep-alive or not', async () => {
    const gate = createGate();
    const server = await start({ model: 'm', port: 0 }, {}, gate);
    const port = Number(new URL(server.url).port);
    const agentPost = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/predictions', headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ id: 1 }));
      });
    const first = agentPost();
    await gate.arrived(1);
    const started = performance.now();
    const closing = server.close();
    // The server stops listening while the request is still held; then the request may finish.
    await expect.poll(() => server.app.server.listening).toBe(false);
    gate.open();
    expect(await first).toBe(200);
    await closing;
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
