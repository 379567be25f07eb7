import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readTable } from '../../src/data/read.js';
import {
  atomicWriteFile,
  csvValue,
  withAtomicPath,
  writeCsv,
  writeNpz,
  writeParquet,
  type NpyArray,
} from '../../src/data/write.js';

const hasPython = spawnSync('python3', ['--version']).status === 0;
if (!hasPython) console.warn('the .npz check through Python SKIPPED: python3 is absent');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-write-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('atomic writes', () => {
  it('replaces the file and leaves no temporary file behind', async () => {
    const path = join(dir, 'a.txt');
    await atomicWriteFile(path, 'first');
    await atomicWriteFile(path, new Uint8Array([0x6f, 0x6b]));
    expect(await readFile(path, 'utf8')).toBe('ok');
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('keeps the previous file and removes the temporary one when the write fails', async () => {
    const path = join(dir, 'keep.csv');
    await writeFile(path, 'previous');
    let tmp = '';
    await expect(
      withAtomicPath(path, async (tmpPath) => {
        tmp = tmpPath;
        await writeFile(tmpPath, 'half of it');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readFile(path, 'utf8')).toBe('previous');
    expect(tmp.startsWith(join(dir, '.keep.tmp-'))).toBe(true);
    expect(tmp.endsWith('.csv')).toBe(true);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('leaves no file when the target did not exist and the write fails', async () => {
    const path = join(dir, 'never.csv');
    await expect(writeCsv(path, [{ name: 'a', values: [1, 2] }, { name: 'b', values: [1] }])).rejects.toThrow(/"b" has 1 values/);
    expect((await readdir(dir)).includes('never.csv')).toBe(false);
  });

  it('returns what the writer returns', async () => {
    const path = join(dir, 'r.txt');
    expect(await withAtomicPath(path, async (tmp) => (await writeFile(tmp, 'x'), 42))).toBe(42);
  });
});

describe('writeCsv', () => {
  it('writes numbers in shortest round-trip form, NaN and null as empty, text quoted when needed', async () => {
    const path = join(dir, 'out.csv');
    await writeCsv(path, [
      { name: 'id', values: ['007', 'a,b'] },
      { name: 'x', values: new Float64Array([0.1 + 0.2, NaN]) },
      { name: 'note "q"', values: ['say "hi"', null] },
      { name: 'n', values: new Uint8Array([1, 0]) },
    ]);
    expect(await readFile(path, 'utf8')).toBe(
      'id,x,"note ""q""",n\n007,0.30000000000000004,"say ""hi""",1\n"a,b",,,0\n',
    );
  });

  it('formats single cells', () => {
    expect(csvValue(1e21)).toBe('1e+21');
    expect(csvValue(-0.5)).toBe('-0.5');
    expect(csvValue(NaN)).toBe('');
    expect(csvValue(null)).toBe('');
    expect(csvValue('line\nbreak')).toBe('"line\nbreak"');
  });

  it('writes a header-only file for zero rows', async () => {
    const path = join(dir, 'empty.csv');
    await writeCsv(path, [{ name: 'a', values: [] }]);
    expect(await readFile(path, 'utf8')).toBe('a\n');
  });

  it('writes a table that readTable reads back', async () => {
    const path = join(dir, 'back.csv');
    await writeCsv(path, [
      { name: 'id', values: ['00001', '00002', '00003'] },
      { name: 'spend', values: [1.25, NaN, 1e-7] },
      { name: 'plan', values: ['gold', null, 'x, y'] },
      { name: 'target', values: [1, 0, 1] },
    ]);
    const table = await readTable(path);
    expect(table.ids).toEqual(['00001', '00002', '00003']);
    expect([...table.numeric.get('spend')!]).toEqual([1.25, NaN, 1e-7]);
    expect(table.categorical.get('plan')).toEqual(['gold', null, 'x, y']);
  });
});

describe('writeParquet', () => {
  it('writes numeric columns as DOUBLE and text as VARCHAR, with nulls', async () => {
    const path = join(dir, 'out.parquet');
    await writeParquet(path, [
      { name: 'id', values: ['a', 'b'] },
      { name: 'x', values: [1.5, NaN] },
      { name: 'target', values: [0, 1] },
    ]);
    const bytes = await readFile(path);
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    const table = await readTable(path);
    expect(table.schema.features).toEqual([{ name: 'x', kind: 'numeric' }]);
    expect([...table.numeric.get('x')!]).toEqual([1.5, NaN]);
    expect(table.ids).toEqual(['a', 'b']);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

/** Reads a .npz back: zip structures per APPNOTE, then .npy v1.0 headers. */
function parseNpz(zip: Buffer): Map<string, { header: string; headerLength: number; data: Buffer; crc: number }> {
  const eocd = zip.length - 22;
  expect(zip.readUInt32LE(eocd)).toBe(0x06054b50);
  const count = zip.readUInt16LE(eocd + 10);
  const centralSize = zip.readUInt32LE(eocd + 12);
  let at = zip.readUInt32LE(eocd + 16);
  expect(at + centralSize).toBe(eocd);
  const entries = new Map<string, { header: string; headerLength: number; data: Buffer; crc: number }>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    expect(zip.readUInt16LE(at + 10)).toBe(0); // stored
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 20);
    expect(zip.readUInt32LE(at + 24)).toBe(size);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString();
    expect(zip.readUInt32LE(local)).toBe(0x04034b50);
    expect(zip.readUInt32LE(local + 14)).toBe(crc);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const npy = zip.subarray(start, start + size);
    expect([...npy.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLength = npy.readUInt16LE(8);
    entries.set(name, {
      header: npy.subarray(10, 10 + headerLength).toString('latin1'),
      headerLength,
      data: npy.subarray(10 + headerLength),
      crc: zlibCrc32(npy),
    });
    expect(crc).toBe(entries.get(name)!.crc);
    at += 46 + nameLength + extra;
  }
  return entries;
}

describe('writeNpz', () => {
  it('writes a valid zip of .npy files with correct headers and data', async () => {
    const path = join(dir, 'parts.npz');
    const inputs = Float32Array.from([1.5, -2, 3.25, 0, 1e-3, 7]);
    const targets = Int32Array.from([0, 1]);
    await writeNpz(path, {
      inputs: { data: inputs, shape: [2, 3] },
      targets: { data: targets, shape: [2] },
      weights: { data: Float64Array.from([0.5]), shape: [] },
      mask: { data: Uint8Array.from([1, 0, 1]), shape: [3] },
    });
    const entries = parseNpz(await readFile(path));
    expect([...entries.keys()]).toEqual(['inputs.npy', 'targets.npy', 'weights.npy', 'mask.npy']);
    const expectHeader = (name: string, dict: string): void => {
      const { header, headerLength } = entries.get(name)!;
      expect((10 + headerLength) % 64).toBe(0);
      expect(header.endsWith('\n')).toBe(true);
      expect(header.trimEnd()).toBe(dict);
    };
    expectHeader('inputs.npy', "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    expectHeader('targets.npy', "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }");
    expectHeader('weights.npy', "{'descr': '<f8', 'fortran_order': False, 'shape': (), }");
    expectHeader('mask.npy', "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }");
    const data = entries.get('inputs.npy')!.data;
    expect([...new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))]).toEqual([...inputs]);
    expect(entries.get('targets.npy')!.data.readInt32LE(4)).toBe(1);
    expect(entries.get('weights.npy')!.data.readDoubleLE(0)).toBe(0.5);
    expect([...entries.get('mask.npy')!.data]).toEqual([1, 0, 1]);
  });

  it('rejects a shape that does not match the data', async () => {
    const bad: NpyArray = { data: new Float32Array(5), shape: [2, 3] };
    await expect(writeNpz(join(dir, 'bad.npz'), { x: bad })).rejects.toThrow(/needs 6 values, got 5/);
    expect((await readdir(dir)).includes('bad.npz')).toBe(false);
  });
});

describe('the .npz archive', () => {
  const arrays = { x: { data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2] }, y: { data: Uint8Array.from([0, 1]), shape: [2] } };

  it('is the same bytes for the same arrays, written at any time', async () => {
    const first = join(dir, 'first.npz');
    const second = join(dir, 'second.npz');
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date(2020, 0, 1, 12, 0, 0));
      await writeNpz(first, arrays);
      vi.setSystemTime(new Date(2024, 5, 15, 8, 30, 10));
      await writeNpz(second, arrays);
    } finally {
      vi.useRealTimers();
    }
    expect(Buffer.compare(await readFile(first), await readFile(second))).toBe(0);
  });

  it.skipIf(!hasPython)('reads back through Python\'s zipfile, the reader numpy.load uses', async () => {
    const path = join(dir, 'python.npz');
    await writeNpz(path, arrays);
    const script = [
      'import sys, zipfile',
      'z = zipfile.ZipFile(sys.argv[1])',
      'assert z.testzip() is None',
      'print(" ".join(f"{i.filename}:{i.compress_type}:{len(z.read(i))}" for i in z.infolist()))',
    ].join('\n');
    const run = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('x.npy:0:144 y.npy:0:130');
  });
});
