/**
 * A scored CSV (id, probability, label, rank[, reasons]) streamed out as JSON rows, without
 * holding the file or the rows in memory.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Splits CSV text into records, field by field (RFC 4180 quoting). Keeps state across chunks. */
export function createCsvRecordReader(onRecord: (fields: string[]) => void) {
  let field = '';
  let fields: string[] = [];
  let quoted = false;
  let afterQuote = false;
  let pendingCR = false;
  let sawQuote = false;

  function endRecord(): void {
    fields.push(field);
    field = '';
    // A blank line is no record; a lone quoted empty field ("") is one.
    if (sawQuote || !(fields.length === 1 && fields[0] === '')) onRecord(fields);
    fields = [];
    sawQuote = false;
  }

  return {
    push(text: string): void {
      let start = 0;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (quoted) {
          if (c === 34) {
            field += text.slice(start, i);
            start = i + 1;
            quoted = false;
            afterQuote = true;
          }
          continue;
        }
        if (c === 34) {
          if (afterQuote) field += '"';
          field += text.slice(start, i);
          start = i + 1;
          quoted = true;
          sawQuote = true;
          afterQuote = false;
          continue;
        }
        afterQuote = false;
        if (c === 44 || c === 10 || c === 13) {
          field += text.slice(start, i);
          start = i + 1;
          if (c === 44) {
            fields.push(field);
            field = '';
          } else if (c === 10 && pendingCR) {
            pendingCR = false;
          } else {
            pendingCR = c === 13;
            endRecord();
          }
          continue;
        }
        pendingCR = false;
      }
      field += text.slice(start);
    },
    end(): void {
      if (field !== '' || fields.length > 0 || sawQuote) endRecord();
    },
  };
}

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
