/**
 * Crafted reload payloads against a server over a real bundle: each is refused with a 4xx in the
 * one error shape, quickly, and the old model keeps serving (readyz and predictions stay 200).
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, open, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/bundle/hash.js';
import { MAX_MANIFEST_BYTES } from '../../src/bundle/layout.js';
import { EXAMPLE_CUSTOMER } from '../../src/domain/audiobooks.js';
import { rawColumns, type FeatureState } from '../../src/prep/features.js';
import { expectErrorShape, makeApp, TEST_KEY } from '../server/helpers.js';
import { realDeps, type RealDeps } from '../server/real.js';

const { onnx } = onnxProto;
const available = await realDeps.available();

interface Manifest {
  features: FeatureState;
  files: Record<string, string>;
  [key: string]: unknown;
}

/** A graph with the bundle's inputs whose output is not a probability: the first column plus 2. */
function notAProbability(features: FeatureState, external = false): Uint8Array {
  const raw = rawColumns(features);
  const DOUBLE = onnx.TensorProto.DataType.DOUBLE;
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const io = (name: string, elemType: number) => ({ name, type: { tensorType: { elemType, shape: { dim: [{ dimParam: 'N' }] } } } });
  const two = external
    ? { name: 'two', dims: [1], dataType: FLOAT, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL, externalData: [{ key: 'location', value: 'hostname' }] }
    : { name: 'two', dims: [1], dataType: FLOAT, floatData: [2] };
  const graph = {
    name: 'g',
    node: [
      { opType: 'Cast', input: [raw.numeric[0]!], output: ['f'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }] },
      { opType: 'Add', input: ['f', 'two'], output: ['probability'] },
    ],
    initializer: [two],
    input: [...raw.numeric.map((n) => io(n, DOUBLE)), ...raw.categorical.map((n) => io(n, onnx.TensorProto.DataType.STRING))],
    output: [io('probability', FLOAT)],
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph })).finish();
}

describe.skipIf(!available)('reload payloads', () => {
  let real: RealDeps;
  let root: string;
  let good: string;
  let app: FastifyInstance;
  let serving: string;

  beforeAll(async () => {
    real = await realDeps.get();
    root = await mkdtemp(join(tmpdir(), 'rebuy-adversarial-reload-'));
    good = join(root, 'good');
    await cp(real.bundles[0], good, { recursive: true });
    ({ app } = await makeApp({ load: real.loadPredictor, scoreFile: real.scoreFile, bundleDir: good, modelsRoot: root }));
    serving = (await app.inject('/readyz')).json().model;
  });
  afterAll(async () => {
    await app?.close();
    await rm(root, { recursive: true, force: true });
  });

  /** A copy of the good bundle, changed by `edit`, with every hash recomputed as an attacker would. */
  async function craft(name: string, edit: (dir: string, manifest: Manifest) => Promise<void> | void): Promise<string> {
    const dir = join(root, name);
    await cp(good, dir, { recursive: true });
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    await edit(dir, manifest);
    const text = JSON.stringify(manifest, null, 2);
    await writeFile(join(dir, 'manifest.json'), text);
    await writeFile(join(dir, 'manifest.sha256'), `${sha256(text)}  manifest.json\n`);
    return dir;
  }

  async function replaceFile(dir: string, manifest: Manifest, name: string, bytes: Uint8Array): Promise<void> {
    await writeFile(join(dir, name), bytes);
    manifest.files[name] = sha256(bytes);
  }

  async function reload(model: string, headers: Record<string, string> = {}) {
    return app.inject({ method: 'POST', url: '/v1/model/reload', payload: { model }, headers });
  }

  /** The old model still answers, ready and predicting. */
  async function stillServing(): Promise<void> {
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json().model).toBe(serving);
    const predicted = await app.inject({ method: 'POST', url: '/v1/predictions', payload: EXAMPLE_CUSTOMER });
    expect(predicted.statusCode).toBe(200);
    expect(predicted.json().model).toBe(serving);
  }

  async function refused(dir: string, code: string, pattern: RegExp): Promise<string> {
    const res = await reload(dir);
    const error = expectErrorShape(res.body, code);
    expect(error.message).toMatch(pattern);
    await stillServing();
    return error.message;
  }

  it('a manifest that is a link to /dev/zero', async () => {
    const dir = await craft('zero', () => undefined);
    await unlink(join(dir, 'manifest.json'));
    await symlink('/dev/zero', join(dir, 'manifest.json'));
    await refused(dir, 'BUNDLE_INVALID', /manifest\.json is not a regular file/);
  });

  it('a manifest.sha256 that is a FIFO, and a reload after it', async () => {
    const dir = await craft('fifo', () => undefined);
    await unlink(join(dir, 'manifest.sha256'));
    execFileSync('mkfifo', [join(dir, 'manifest.sha256')]);
    await refused(dir, 'BUNDLE_INVALID', /not a regular file/);
    const again = await app.inject({ method: 'POST', url: '/v1/model/reload' });
    expect(again.statusCode).toBe(200);
    serving = again.json().hash;
  });

  it('a manifest beyond the size limit', async () => {
    const dir = await craft('huge', () => undefined);
    const handle = await open(join(dir, 'manifest.json'), 'r+');
    await handle.truncate(MAX_MANIFEST_BYTES + 1);
    await handle.close();
    await refused(dir, 'BUNDLE_INVALID', /larger than the limit/);
  });

  it('a manifest listing files outside the bundle, without disclosing their hash', async () => {
    const hostname = await readFile('/etc/hostname').catch(() => Buffer.from(''));
    const dir = await craft('escape', (_dir, m) => {
      m.files = { ...m.files, '../../../../etc/hostname': '0'.repeat(64) };
    });
    const message = await refused(dir, 'BUNDLE_INVALID', /not a plain file name/);
    expect(message).not.toContain(sha256(hostname));
  });

  it('features: null, no schema, a string threshold', async () => {
    await refused(await craft('no-features', (_d, m) => void (m.features = null as unknown as FeatureState)), 'BUNDLE_INVALID', /features/);
    await refused(await craft('no-schema', (_d, m) => void delete m.schema), 'BUNDLE_INVALID', /schema is missing/);
    await refused(await craft('string-threshold', (_d, m) => void (m.threshold = '0.5')), 'BUNDLE_INVALID', /threshold/);
  });

  it('a model.onnx that opens but does not give probabilities', async () => {
    const dir = await craft('not-probability', (d, m) => replaceFile(d, m, 'model.onnx', notAProbability(m.features)));
    await refused(dir, 'BUNDLE_INVALID', /does not give a probability/);
  });

  it('a model.onnx that names external data', async () => {
    const dir = await craft('external', (d, m) => replaceFile(d, m, 'model.onnx', notAProbability(m.features, true)));
    await refused(dir, 'BUNDLE_INVALID', /external data/);
  });

  it('a directory outside the models root, by path, by .. and by a link', async () => {
    await refused(real.bundles[1], 'FORBIDDEN', /inside the models root/);
    await refused(join(root, '..', 'elsewhere'), 'FORBIDDEN', /inside the models root/);
    await symlink(real.bundles[1], join(root, 'link-out'));
    await refused(join(root, 'link-out'), 'FORBIDDEN', /inside the models root/);
    await refused('/', 'FORBIDDEN', /inside the models root/);
  });

  it('a Host header that is not this server, and a foreign Origin', async () => {
    const rebound = await app.inject({ method: 'POST', url: '/v1/model/reload', headers: { host: 'attacker.example:8080' } });
    expectErrorShape(rebound.body, 'FORBIDDEN');
    expect(rebound.statusCode).toBe(403);
    expect((await app.inject({ url: '/v1/model', headers: { host: 'attacker.example' } })).statusCode).toBe(403);
    const foreign = await app.inject({ method: 'POST', url: '/v1/model/reload', headers: { origin: 'http://attacker.example', host: 'localhost:80' } });
    expect(foreign.statusCode).toBe(403);
    expectErrorShape(foreign.body, 'FORBIDDEN');
    for (const host of ['127.0.0.1:8080', 'localhost', '[::1]:9', 'LOCALHOST:1']) {
      expect((await app.inject({ url: '/healthz', headers: { host } })).statusCode, host).toBe(200);
    }
    await stillServing();
  });
});

describe('reload with an API key', () => {
  it('requires the key, whatever the Host', async () => {
    const { app } = await makeApp({ apiKey: TEST_KEY });
    const res = await app.inject({ method: 'POST', url: '/v1/model/reload' });
    expect(res.statusCode).toBe(401);
    expectErrorShape(res.body, 'UNAUTHORIZED');
    const keyed = await app.inject({ method: 'POST', url: '/v1/model/reload', headers: { 'x-api-key': TEST_KEY, host: 'models.internal:8080' } });
    expect(keyed.statusCode).toBe(200);
    await app.close();
  });

  it('without a models root, only the configured directory may be named', async () => {
    const { app } = await makeApp({ bundleDir: '/bundles/fake' });
    expect((await app.inject({ method: 'POST', url: '/v1/model/reload', payload: { model: '/bundles/fake' } })).statusCode).toBe(200);
    const other = await app.inject({ method: 'POST', url: '/v1/model/reload', payload: { model: '/etc' } });
    expect(other.statusCode).toBe(403);
    expect(expectErrorShape(other.body, 'FORBIDDEN').message).toMatch(/--models-root/);
    await app.close();
  });
});
