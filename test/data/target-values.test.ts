import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RebuyError } from '../../src/errors.js';
import { readTable } from '../../src/data/read.js';
import { writeParquet } from '../../src/data/write.js';
import { KNOWN_TARGET_PAIRS, targetCoding } from '../../src/data/read/target.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rebuy-target-values-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function csv(content: string): Promise<string> {
  const path = join(dir, `t${++counter}.csv`);
  await writeFile(path, content);
  return path;
}

async function failure(read: Promise<unknown>): Promise<RebuyError> {
  const err = await read.then(
    () => expect.fail('expected the read to fail'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RebuyError);
  expect((err as RebuyError).exitCode).toBe(2);
  return err as RebuyError;
}

describe('a target written as two words', () => {
  it('reads Yes/No (any case, spaces around) with "yes" as 1, and keeps the coding in the schema', async () => {
    const path = await csv('plan,churned\nbasic,Yes\nplus, no \npremium,YES\nbasic,No\n');
    const table = await readTable(path, { target: 'churned' });
    expect([...table.target!]).toEqual([1, 0, 1, 0]);
    expect(table.schema.targetValues?.positive.toLowerCase()).toBe('yes');
    expect(table.schema.targetValues?.negative.toLowerCase()).toBe('no');
    expect(table.schema.features).toEqual([{ name: 'plan', kind: 'categorical' }]);
  });

  it.each([
    ['True', 'False', [1, 0, 0]],
    ['n', 'y', [0, 1, 1]],
    ['false', 'TRUE', [0, 1, 1]],
  ])('reads %s/%s with the true/yes side as 1', async (first, second, expected) => {
    const path = await csv(`x,target\n1,${first}\n2,${second}\n3,${second}\n`);
    expect([...(await readTable(path)).target!]).toEqual(expected);
  });

  it('asks for `positive` on any other pair, naming the column and both values', async () => {
    const path = await csv('x,status\n1,stayed\n2,left\n3,left\n');
    const err = await failure(readTable(path, { target: 'status' }));
    expect(err.message).toContain(path);
    expect(err.location.column).toBe('status');
    expect(err.message).toMatch(/"stayed" and "left"|"left" and "stayed"/);
    expect(err.message).toMatch(/--positive/);
  });

  it('reads any two values with `positive` naming the one that means 1 (in any case)', async () => {
    const path = await csv('x,status\n1,stayed\n2,left\n3,Left\n');
    const table = await readTable(path, { target: 'status', positive: 'LEFT' });
    expect([...table.target!]).toEqual([0, 1, 1]);
    const reversed = await readTable(path, { target: 'status', positive: 'stayed' });
    expect([...reversed.target!]).toEqual([1, 0, 0]);
  });

  it('takes `positive` on a numeric target too (1/2 coded)', async () => {
    const path = await csv('x,bought\n1,1\n2,2\n3,2\n');
    await failure(readTable(path, { target: 'bought' })).then((err) => expect(err.message).toMatch(/target must be 0 or 1.*positive/));
    expect([...(await readTable(path, { target: 'bought', positive: '2' })).target!]).toEqual([0, 1, 1]);
  });

  it('refuses a `positive` that is not one of the values, a third value, and a single value', async () => {
    const two = await csv('x,target\n1,yes\n2,no\n');
    expect((await failure(readTable(two, { positive: 'maybe' }))).message).toMatch(/"maybe" is not one of the target's values "no" and "yes"/);
    const three = await csv('x,target\n1,yes\n2,no\n3,maybe\n');
    expect((await failure(readTable(three))).message).toMatch(/two values.*"maybe", "no", "yes"/);
    const one = await csv('x,target\n1,yes\n2,yes\n');
    expect((await failure(readTable(one))).message).toMatch(/one value only \("yes"\)/);
  });

  it('refuses a missing target value, naming the line and the two values it must be', async () => {
    const path = await csv('x,target\n1,Yes\n2,\n3,No\n');
    const err = await failure(readTable(path));
    expect(err.message).toMatch(/missing target value \(must be "Yes" or "No"\)/);
    expect(err.location.line).toBe(3);
  });

  it('reads another file with the stored coding, refusing a value outside it by line', async () => {
    const schema = (await readTable(await csv('x,target\n1,Yes\n2,No\n'))).schema;
    expect([...(await readTable(await csv('x,target\n5,no\n6,YES\n'), { schema })).target!]).toEqual([0, 1]);
    const bad = await csv('x,target\n5,no\n6,maybe\n');
    const err = await failure(readTable(bad, { schema }));
    expect(err.message).toMatch(/target must be "Yes" or "No"/);
    expect(err.location).toMatchObject({ line: 3, column: 'target', value: 'maybe' });
  });

  it('reads a Parquet file whose target is text', async () => {
    const path = join(dir, 'yes-no.parquet');
    await writeParquet(path, [
      { name: 'x', values: [1, 2, 3] },
      { name: 'target', values: ['No', 'Yes', 'No'] },
    ]);
    expect([...(await readTable(path)).target!]).toEqual([0, 1, 0]);
  });

  it('leaves a 0/1 target and the Audiobooks schema as they were', async () => {
    const table = await readTable(await csv('x,target\n1,1\n2,0\n'));
    expect([...table.target!]).toEqual([1, 0]);
    expect(table.schema.targetValues).toBeUndefined();
  });
});

describe('targetCoding', () => {
  it('codes a known pair the same whichever value comes first, and any spelling of it', () => {
    const casing = (word: string) => fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((up) => [...word].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));
    const pair = fc.constantFrom(...KNOWN_TARGET_PAIRS).chain(([yes, no]) => fc.tuple(casing(yes), casing(no)));
    fc.assert(
      fc.property(pair, fc.boolean(), ([yes, no], swap) => {
        const coding = targetCoding('f.csv', 't', swap ? [no, yes] : [yes, no]);
        expect(coding).toEqual({ positive: yes, negative: no });
      }),
    );
  });
});
