import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import type { Reason } from '../../src/explain/types.js';
import type { ScoredRow } from '../../src/predict/score-file.js';
import { scoresAsJson } from '../../src/server/scores-json.js';

async function* batches(...groups: ScoredRow[][]): AsyncGenerator<ScoredRow[]> {
  for (const group of groups) yield group;
}

const reason = (group: string): Reason => ({ group, contribution: 0.1, text: `${group}: raises the chance` }) as Reason;

describe('scored rows as JSON', () => {
  it('streams the head and every row in order, with null for a probability JSON cannot hold', async () => {
    const body = JSON.parse(
      await text(
        scoresAsJson(
          batches(
            [{ id: 'a,"1"', probability: 0.75, label: 1, rank: 1 }],
            [],
            [
              { id: 'b', probability: Number.NaN, label: 0, rank: 2 },
              { id: 'c', probability: 1e-7, label: 0, rank: 3 },
            ],
          ),
          { model: 'm', threshold: 0.5, seconds: 0.1 },
        ),
      ),
    );
    expect(body).toEqual({
      model: 'm',
      threshold: 0.5,
      seconds: 0.1,
      rows: [
        { id: 'a,"1"', probability: 0.75, label: 1, rank: 1 },
        { id: 'b', probability: null, label: 0, rank: 2 },
        { id: 'c', probability: 1e-7, label: 0, rank: 3 },
      ],
    });
  });

  it('gives the i-th reasons to the i-th row, across batches, and none beyond them', async () => {
    const rows = Array.from({ length: 5 }, (_, i): ScoredRow => ({ id: 'same', probability: 0.9 - i / 10, label: 1, rank: i + 1 }));
    const body = JSON.parse(await text(scoresAsJson(batches(rows.slice(0, 1), rows.slice(1)), { model: 'm' }, [[reason('x')], [reason('y')]])));
    expect(body.rows.map((r: { reasons?: Reason[] }) => r.reasons?.[0]?.group ?? null)).toEqual(['x', 'y', null, null, null]);
  });

  it('answers an empty list for no rows', async () => {
    expect(JSON.parse(await text(scoresAsJson(batches(), { model: 'm' })))).toEqual({ model: 'm', rows: [] });
  });
});
