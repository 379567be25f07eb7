/** What `--out` may be for every file writer: withAtomicPath's rules, and a full disk named. */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, statSync } from 'node:fs';
import { chmod, lchown, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atomicWriteFile, withAtomicPath, writeCsv } from '../../src/data/write.js';
import { isRebuyError, type RebuyError } from '../../src/errors.js';
import { LEGACY_TEMPORARY_MAX_AGE_MS } from '../../src/config.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-write-out-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<RebuyError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isRebuyError(err)) throw new Error(`expected a RebuyError, got ${String(err)}`);
  return err;
}

const temporaries = async (where: string): Promise<string[]> => (await readdir(where)).filter((f) => f.includes('.tmp-'));

/** A PID no process has: one that has just exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}
const hostTag = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

describe('--out through a symlink', () => {
  it('writes the new contents to the link target, atomically, and keeps the link', async () => {
    const target = join(dir, 'target.csv');
    const link = join(dir, 'link.csv');
    await writeFile(target, 'old');
    await symlink('target.csv', link);
    await atomicWriteFile(link, 'new');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe('target.csv');
    expect(await readFile(target, 'utf8')).toBe('new');
    expect(await temporaries(dir)).toEqual([]);
  });

  it('creates the target of a dangling link, as a shell redirection does', async () => {
    const link = join(dir, 'dangling.csv');
    await symlink('made-by-write.csv', link);
    await atomicWriteFile(link, 'x');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 'made-by-write.csv'), 'utf8')).toBe('x');
  });

  it('refuses a symlink loop with exit 2 naming the path', async () => {
    await symlink('loop-b', join(dir, 'loop-a'));
    await symlink('loop-a', join(dir, 'loop-b'));
    const err = await refusal(atomicWriteFile(join(dir, 'loop-a'), 'x'));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(join(dir, 'loop-a'));
    expect(err.message).toMatch(/symbolic links/);
  });

  it.runIf(process.getuid?.() === 0)("refuses a link another user planted in a shared sticky directory (as the kernel's protected_symlinks does)", async () => {
    const shared = join(dir, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o1777);
    const planted = join(shared, 'out.csv');
    await symlink(join(dir, 'victim.csv'), planted);
    await lchown(planted, 65534, 65534);
    const err = await refusal(atomicWriteFile(planted, 'x'));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/owned by another user/);
    expect(existsSync(join(dir, 'victim.csv'))).toBe(false);
  });
});

describe('--out that is not a regular file', () => {
  it('refuses a directory, naming it, and leaves it as it was', async () => {
    const sub = join(dir, 'a-directory');
    await mkdir(sub);
    await writeFile(join(sub, 'keep'), 'k');
    const err = await refusal(writeCsv(sub, [{ name: 'a', values: [1] }]));
    expect([err.exitCode, err.message]).toEqual([2, `cannot write ${sub}: it is a directory (name a file)`]);
    expect(await readFile(join(sub, 'keep'), 'utf8')).toBe('k');
  });

  it('refuses a character device and leaves the device in place (/dev/null)', async () => {
    const err = await refusal(atomicWriteFile('/dev/null', 'x'));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/^cannot write \/dev\/null: it is a character device/);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it.runIf(spawnSync('mkfifo', ['--version']).status === 0)('refuses a FIFO without opening it (which would hang)', async () => {
    const fifo = join(dir, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const err = await refusal(atomicWriteFile(fifo, 'x'));
    expect(err.message).toMatch(/it is a FIFO/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('refuses a file in a missing directory, naming the directory', async () => {
    const err = await refusal(atomicWriteFile(join(dir, 'no-such-dir', 'x.csv'), 'x'));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(`cannot write ${join(dir, 'no-such-dir', 'x.csv')}: the directory ${join(dir, 'no-such-dir')} does not exist`);
  });

  it('refuses a path through a file', async () => {
    await writeFile(join(dir, 'plain'), 'p');
    const err = await refusal(atomicWriteFile(join(dir, 'plain', 'x.csv'), 'x'));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(join(dir, 'plain', 'x.csv'));
  });

  it('refuses a name too long, with exit 2 naming it', async () => {
    const long = join(dir, `${'n'.repeat(300)}.csv`);
    const err = await refusal(atomicWriteFile(long, 'x'));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/file name too long/);
  });
});

describe('atomic writes keep what they replace', () => {
  it("keeps the replaced file's permissions", async () => {
    const path = join(dir, 'private.csv');
    await writeFile(path, 'old');
    await chmod(path, 0o600);
    await atomicWriteFile(path, 'new');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('writes a target whose name is as long as a file name may be (the temporary name is cut to fit)', async () => {
    const path = join(dir, `${'l'.repeat(251)}.csv`);
    await atomicWriteFile(path, 'ok');
    expect(await readFile(path, 'utf8')).toBe('ok');
    expect(await temporaries(dir)).toEqual([]);
  });
});

describe('a full disk', () => {
  const enospc = (): NodeJS.ErrnoException =>
    Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });

  it('is exit 2 naming the path and saying "no space left", and leaves the old file and no temporary', async () => {
    const path = join(dir, 'full.csv');
    await writeFile(path, 'old');
    const err = await refusal(
      withAtomicPath(path, async (tmp) => {
        await writeFile(tmp, 'half');
        throw enospc();
      }),
    );
    expect([err.code, err.exitCode, err.message]).toEqual(['NO_SPACE', 2, `${path}: no space left on device`]);
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await temporaries(dir)).toEqual([]);
  });

  it('is named the same when DuckDB reports it in words', async () => {
    const path = join(dir, 'full-duck.parquet');
    const err = await refusal(
      withAtomicPath(path, async () => {
        throw new Error(`IO Error: Could not write file "${path}": No space left on device`);
      }),
    );
    expect([err.code, err.message]).toEqual(['NO_SPACE', `${path}: no space left on device`]);
  });
});

describe('leftovers of killed writes', () => {
  it('the next write to the same file removes temporaries whose writer is gone, and keeps live ones', async () => {
    const where = join(dir, 'sweep');
    await mkdir(where);
    const stale = join(where, `.scores.tmp-${hostTag}-${deadPid()}-0123456789ab.csv`);
    const live = join(where, `.scores.tmp-${hostTag}-${process.ppid}-0123456789ab.csv`);
    const otherMachine = join(where, `.scores.tmp-00000000-${deadPid()}-0123456789ab.csv`);
    const otherFile = join(where, `.other.tmp-${hostTag}-${deadPid()}-0123456789ab.csv`);
    for (const f of [stale, live, otherMachine, otherFile]) await writeFile(f, 'debris');
    await atomicWriteFile(join(where, 'scores.csv'), 'new');
    expect(existsSync(stale)).toBe(false);
    expect([live, otherMachine, otherFile].map(existsSync)).toEqual([true, true, true]);
  });

  it('removes temporaries named the old way (no owner) once older than the configured age, and keeps younger ones', async () => {
    const where = join(dir, 'sweep-legacy');
    await mkdir(where);
    const old = join(where, '.scores.tmp-0123456789ab.csv');
    const young = join(where, '.scores.tmp-ba9876543210.csv');
    const otherFile = join(where, '.other.tmp-0123456789ab.csv');
    const notOurs = join(where, '.scores.tmp-notrebuys.csv');
    for (const f of [old, young, otherFile, notOurs]) await writeFile(f, 'debris');
    const longAgo = new Date(Date.now() - LEGACY_TEMPORARY_MAX_AGE_MS - 60_000);
    for (const f of [old, otherFile, notOurs]) await utimes(f, longAgo, longAgo);
    await atomicWriteFile(join(where, 'scores.csv'), 'new');
    expect(existsSync(old)).toBe(false);
    expect([young, otherFile, notOurs].map(existsSync)).toEqual([true, true, true]);
    expect(await readFile(join(where, 'scores.csv'), 'utf8')).toBe('new');
  });
});
