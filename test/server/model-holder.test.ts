import { describe, expect, it } from 'vitest';
import { bundleError } from '../../src/errors.js';
import { createModelHolder } from '../../src/server/model-holder.js';
import { createGate, fakePredictor, type FakePredictor } from './fakes.js';

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
    const slow = createGate();
    const models = createModelHolder(async (dir) => {
      order.push(`start ${dir}`);
      if (dir === 'slow') await slow.pass();
      order.push(`end ${dir}`);
      return fakePredictor({ hash: dir });
    });
    const both = Promise.all([models.load('slow'), models.load('fast')]);
    await slow.arrived(1);
    // While the first load is held, a turn of the event loop lets a second one start if it could.
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['start slow']);
    slow.open();
    await both;
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
    // A turn of the event loop: enough for close to finish if it did not wait for the slot.
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    expect(models.acquire()).toBeNull();
    models.release(slot);
    await closing;
    expect(made[0]!.closed).toBe(true);
  });

  it('abandons a load that takes too long; the next load and close do not wait behind it', async () => {
    const stuck = createGate();
    const made: FakePredictor[] = [];
    const models = createModelHolder(
      async (dir) => {
        if (dir === 'stuck') await stuck.pass();
        const p = fakePredictor({ hash: dir });
        made.push(p);
        return p;
      },
      { bundleDir: 'a', loadTimeoutMs: 50 },
    );
    await models.load();
    await expect(models.load('stuck')).rejects.toMatchObject({ code: 'BUNDLE_INVALID', message: expect.stringMatching(/took longer than .* abandoned/) });
    expect(models.current!.bundleHash).toBe('a');
    await models.load('b');
    expect(models.current!.bundleHash).toBe('b');
    // The stuck load is still running; closing does not wait for it.
    await models.close();
    // When it finally arrives, its predictor is closed, never served.
    stuck.open();
    await expect.poll(() => made.find((p) => p.bundleHash === 'stuck')?.closed, { interval: 5, timeout: 5000 }).toBe(true);
    expect(models.current).toBeNull();
  });

  it('refuses a reload while one runs and one waits, instead of queueing without end', async () => {
    const slow = createGate();
    const models = createModelHolder(async (dir) => {
      if (dir === 'slow') await slow.pass();
      return fakePredictor({ hash: dir });
    });
    const first = models.load('slow');
    const second = models.load('next');
    await expect(models.load('third')).rejects.toMatchObject({ code: 'OVERLOADED' });
    slow.open();
    await Promise.all([first, second]);
    expect(models.current!.bundleHash).toBe('next');
  });
});
