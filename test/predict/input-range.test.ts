import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordsToColumns } from '../../src/predict/records.js';
import { readTable } from '../../src/data/read.js';
import { AUDIOBOOKS_SCHEMA } from '../../src/domain/audiobooks.js';
import { EXAMPLE_CUSTOMER } from '../../src/domain/audiobooks.js';
import { RebuyError } from '../../src/errors.js';

// Values stay within float32's range (±3.4028234663852886e38), the number type the network computes in.
describe('numbers beyond the model\'s float range are refused at the boundary', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebuy-range-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('in JSON customers, naming the field (the server property test\'s counterexample)', () => {
    const err = (() => {
      try {
        recordsToColumns(AUDIOBOOKS_SCHEMA, [{ ...EXAMPLE_CUSTOMER, last_visit_days: -3.4028235677973366e38 }]);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(RebuyError);
    expect((err as RebuyError).location.field).toBe('customers[0].last_visit_days');
    expect((err as RebuyError).message).toContain('beyond ±3.4e38');
    // The range is named only when it is the reason.
    const word = (() => {
      try {
        recordsToColumns(AUDIOBOOKS_SCHEMA, [{ ...EXAMPLE_CUSTOMER, last_visit_days: 'soon' }]);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect((word as RebuyError).message).toContain('not a number');
    expect((word as RebuyError).message).not.toContain('3.4e38');
    // Just below the limit a value still rounds to the largest float32: the model takes it.
    const ok = recordsToColumns(AUDIOBOOKS_SCHEMA, [{ ...EXAMPLE_CUSTOMER, last_visit_days: 3.402823466385289e38 }]);
    expect(ok.numeric.get('last_visit_days')![0]).toBe(3.402823466385289e38);
  });

  it('in files, naming file, line, column and value', async () => {
    const path = join(dir, 'huge.csv');
    const header = 'ID,Book length(mins)_overall,Book length(mins)_avg,Price_overall,Price_avg,Review,Review ?/10,Completion,Listened(mins),Support request,Last visited after Purchase date ,Targets';
    await writeFile(path, `${header}\n1,1620,1620,19.73,19.73,1,10,0.99,1603.8,5,92,0\n2,1620,1620,19.73,19.73,1,10,0.99,1e39,5,92,1\n`);
    const err = await readTable(path).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(RebuyError);
    expect((err as RebuyError).location).toMatchObject({ file: path, line: 3, column: 'Listened(mins)', value: '1e39' });
    expect((err as RebuyError).exitCode).toBe(2);
  });
});
