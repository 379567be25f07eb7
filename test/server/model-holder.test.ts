import { describe, expect, it } from 'vitest';
import { bundleError } from '../../src/errors.js';
import { createModelHolder } from '../../src/server/model-holder.js';
import { fakePredictor, type FakePredictor } from './fakes.js';

function loaderOf(made: FakePredictor[]) {
  return async (dir: string) => {
    if (dir.includes('bad')) throw bundleError(dir, 'manifest.json: hash mismatch');
    const p = fakePredictor({ hash: `${dir}-${made.length}` });
    made.push(p);
    return p;
  };
}

describe('model holder', () => {
  it('has nothing to give before the first load', () => {
    const models = createModelHolder(loaderOf([]));
    expect(models.current).toBeNull();
    expect(models.acquire()).toBeNull();
  });

  it('closes a replaced predictor only when its last request releases it', async () => {
    const made: FakePredictor[] = [];
    const models = createModelHolder(loaderOf(made), { bundleDir: 'a' });
    await models.load();
    const slot = models.acquire()!;
    await models.load('b');
    expect(models.current!.bundleHash).toBe('b-1');
    expect(models.bundleDir).toBe('b');
    expect(made[0]!.closed).toBe(false);
    models.release(slot);
    await new Promise((r) => setImmediate(r));
    expect(made[0]!.closed).toBe(true);
    expect(made[1]!.closed).toBe(false);
  });

  it('keeps the serving predictor when a bundle fails verification', async () => {
    const made: FakePredictor[] = [];
    const models = createModelHolder(loaderOf(made), { bundleDir: 'a' });
    await models.load();
    await expect(models.load('bad')).rejects.toMatchObject({ code: 'BUNDLE_INVALID' });
    expect(models.current).toBe(made[0]);
    expect(models.bundleDir).toBe('a');
    expect(made[0]!.closed).toBe(false);
  });

  it('runs loads one at a time, in order', async () => {
    const order: string[] = [];
    const models = createModelHolder(async (dir) => {
      order.push(`start ${dir}`);
      await new Promise((r) => setTimeout(r, dir === 'slow' ? 30 : 1));
      order.push(`end ${dir}`);
      return fakePredictor({ hash: dir });
    });
    await Promise.all([models.load('slow'), models.load('fast')]);
    expect(order).toEqual(['start slow', 'end slow', 'start fast', 'end fast']);
    expect(models.current!.bundleHash).toBe('fast');
  });

  it('close waits for requests in flight, then closes every predictor', async () => {
    const made: FakePredictor[] = [];
    const models = createModelHolder(loaderOf(made), { bundleDir: 'a' });
    await models.load();
    const slot = models.acquire()!;
    let closed = false;
    const closing = models.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(false);
    expect(models.acquire()).toBeNull();
    models.release(slot);
    await closing;
    expect(made[0]!.closed).toBe(true);
  });
});
