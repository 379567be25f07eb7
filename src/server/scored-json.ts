/**
 * A scored CSV (id, probability, label, rank[, reasons]) streamed out as JSON rows, without
 * holding the file or the rows in memory.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createCsvRecordReader } from '../core/csv.js';

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function jsonNumber(text: string): string {
  return NUMBER.test(text) ? text : 'null';
}

/** Streams `{...head, "rows": [...]}` where rows come from the scored CSV at `path`; `reasons` adds them by id. */
export function scoredCsvAsJson(path: string, head: Record<string, unknown>, reasons?: ReadonlyMap<string, unknown>): Readable {
  const prefix = `${JSON.stringify(head).slice(0, -1)},"rows":[`;
  let columns: { id: number; probability: number; label: number; rank: number } | null = null;
  let first = true;
  let batch: string[] = [];

  const reader = createCsvRecordReader((fields) => {
    if (columns === null) {
      const at = (name: string): number => fields.indexOf(name);
      columns = { id: at('id'), probability: at('probability'), label: at('label'), rank: at('rank') };
      return;
    }
    const c = columns;
    const id = fields[c.id] ?? '';
    let row = `${first ? '' : ','}{"id":${JSON.stringify(id)},"probability":${jsonNumber(fields[c.probability] ?? '')},"label":${fields[c.label] === '1' ? 1 : 0},"rank":${jsonNumber(fields[c.rank] ?? '0')}`;
    const why = reasons?.get(id);
    if (why !== undefined) row += `,"reasons":${JSON.stringify(why)}`;
    batch.push(`${row}}`);
    first = false;
  });

  async function* generate(): AsyncGenerator<string> {
    yield prefix;
    const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 });
    for await (const chunk of input) {
      reader.push(chunk as string);
      if (batch.length > 0) {
        yield batch.join('');
        batch = [];
      }
    }
    reader.end();
    yield `${batch.join('')}]}`;
  }

  return Readable.from(generate(), { objectMode: false });
}
