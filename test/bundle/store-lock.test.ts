import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withLock } from '../../src/bundle/lock.js';
import { temporaryTag } from '../../src/data/fs.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rebuy-lock-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The tag a process that has ended would have left (same host, its PID). */
function deadTag(): string {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return temporaryTag().replace(/-[0-9]+-/, `-${child.stdout}-`);
}

describe('store lock', () => {
  it('takes over a lock whose process is gone, and removes it when done', async () => {
    const path = join(work, 'dead.lock');
    await writeFile(path, `${deadTag()}\n`);
    expect(await withLock(path, async () => existsSync(path))).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  it('runs bodies one at a time', async () => {
    const path = join(work, 'serial.lock');
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        withLock(path, async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setImmediate(r));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
  });

  it('does not take a live owner\'s lock: it gives up naming the file and the owner', async () => {
    const path = join(work, 'live.lock');
    const live = temporaryTag();
    await writeFile(path, `${live}\n`);
    await expect(withLock(path, async () => 'ran', { timeoutMs: 50 })).rejects.toMatchObject({ code: 'SYSTEM', message: expect.stringContaining(live) });
    expect(existsSync(path)).toBe(true);
  });
});
