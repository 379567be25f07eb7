/** Scored rows streamed out as the JSON answer of POST /v1/scores, a batch at a time. */
import { Readable } from 'node:stream';
import type { Reason } from '../explain/types.js';
import type { ScoredRow } from '../predict/score-file.js';

/** A JSON number, or null for a value JSON cannot hold. */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/**
 * `{...head, "rows": [...]}` with the rows in the order given (best first); `reasons[i]` goes with
 * the i-th row. Holds one batch of rows at a time.
 */
export function scoresAsJson(rows: AsyncIterable<readonly ScoredRow[]>, head: Record<string, unknown>, reasons: readonly Reason[][] = []): Readable {
  async function* generate(): AsyncGenerator<string> {
    yield `${JSON.stringify(head).slice(0, -1)},"rows":[`;
    let index = 0;
    for await (const batch of rows) {
      let text = '';
      for (const row of batch) {
        text += `${index === 0 ? '' : ','}{"id":${JSON.stringify(row.id)},"probability":${jsonNumber(row.probability)},"label":${row.label},"rank":${row.rank}`;
        const why = reasons[index];
        text += why === undefined ? '}' : `,"reasons":${JSON.stringify(why)}}`;
        index++;
      }
      yield text;
    }
    yield ']}';
  }
  return Readable.from(generate(), { objectMode: false });
}
