/**
 * A minimal CSV scanner over raw bytes: the first record, counting lines and records, and the
 * records in order with the file line each starts on (for locating a problem DuckDB reported).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

/** A CSV record as raw bytes (line terminators removed) and the file line it starts on. */
export interface RawRecord {
  line: number;
  bytes: Buffer;
}

const LF = 0x0a;

const CR = 0x0d;

export const QUOTE = 0x22;

const COMMA = 0x2c;

const NEWLINE = Buffer.from('\n');

const READ_CHUNK = 1 << 20;

/** Whole-file scans reuse one large buffer: no allocation per block, unlike a read stream. */
const SCAN_BLOCK = 4 << 20;

const decoder = new TextDecoder('utf-8');

function fileChunks(path: string): AsyncIterable<Buffer> {
  return createReadStream(path, { highWaterMark: READ_CHUNK }) as AsyncIterable<Buffer>;
}

/** The file in blocks read into one buffer: each block is valid until the next is read. */
async function* fileBlocks(path: string): AsyncGenerator<Buffer> {
  const file = await open(path);
  try {
    const buffer = Buffer.allocUnsafe(SCAN_BLOCK);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

/** Whether the file holds `byte` anywhere. */
export async function fileHasByte(path: string, byte: number): Promise<boolean> {
  for await (const block of fileBlocks(path)) if (block.includes(byte)) return true;
  return false;
}

/** Lines (LF or CRLF; blank ones too unless `skipBlank`), for a file without quotes. */
export async function countLines(path: string, skipBlank: boolean): Promise<number> {
  let lines = 0;
  let lineLength = 0; // bytes of the current line so far, CR included
  let endsWithCr = false;
  for await (const chunk of fileBlocks(path)) {
    let start = 0;
    for (let nl = chunk.indexOf(LF); nl >= 0; nl = chunk.indexOf(LF, start)) {
      const length = lineLength + nl - start;
      const cr = nl > start ? chunk[nl - 1] === CR : endsWithCr;
      if (!skipBlank || length > (cr ? 1 : 0)) lines++;
      lineLength = 0;
      start = nl + 1;
    }
    lineLength += chunk.length - start;
    if (chunk.length > start) endsWithCr = chunk[chunk.length - 1] === CR;
  }
  if (lineLength > (endsWithCr ? 1 : 0) || (!skipBlank && lineLength > 0)) lines++;
  return lines;
}

export async function firstRecord(path: string): Promise<RawRecord | null> {
  for await (const record of rawRecords(path, true)) return record;
  return null;
}

/** Physical lines, without the LF; `crlf` tells whether the line ended in CRLF (null: no line end). */
async function* physicalLines(path: string): AsyncGenerator<{ bytes: Buffer; crlf: boolean | null }> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of fileChunks(path)) {
    const data = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(LF, start); nl >= 0; nl = data.indexOf(LF, start)) {
      const crlf = nl > start && data[nl - 1] === CR;
      yield { bytes: data.subarray(start, crlf ? nl - 1 : nl), crlf };
      start = nl + 1;
    }
    rest = Buffer.from(data.subarray(start));
  }
  if (rest.length > 0) yield { bytes: rest, crlf: null };
}

/** The first line that ends differently (LF vs CRLF) from line 1, or null. */
export async function lineEndingChange(path: string): Promise<number | null> {
  let line = 0;
  let first: boolean | null = null;
  for await (const { crlf } of physicalLines(path)) {
    line++;
    if (crlf === null) continue;
    if (first === null) first = crlf;
    else if (crlf !== first) return line;
  }
  return null;
}

/** Records: physical lines joined while a quoted field is open; blank lines skipped if `skipBlank`. */
export async function* rawRecords(path: string, skipBlank: boolean): AsyncGenerator<RawRecord> {
  let line = 0;
  let parts: Buffer[] = [];
  let startLine = 0;
  let quotes = 0;
  for await (const { bytes: physical } of physicalLines(path)) {
    line++;
    if (parts.length === 0) {
      if (physical.length === 0 && skipBlank) continue;
      startLine = line;
    } else {
      parts.push(NEWLINE);
    }
    parts.push(physical);
    quotes += countByte(physical, QUOTE);
    if (quotes % 2 === 0) {
      yield { line: startLine, bytes: stripBom(Buffer.concat(parts), startLine) };
      parts = [];
      quotes = 0;
    }
  }
  if (parts.length > 0) yield { line: startLine, bytes: stripBom(Buffer.concat(parts), startLine) };
}

function stripBom(bytes: Buffer, line: number): Buffer {
  return line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

export function countByte(bytes: Buffer, byte: number): number {
  let n = 0;
  for (let i = bytes.indexOf(byte); i >= 0; i = bytes.indexOf(byte, i + 1)) n++;
  return n;
}

/** Whether a quote that starts a field is still open at the end (`a"b,"c` has two quotes but is open). */
export function endsInsideQuotes(bytes: Buffer): boolean {
  let quoted = false;
  let atFieldStart = true;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (quoted) {
      if (byte !== QUOTE) continue;
      if (bytes[i + 1] === QUOTE) i++;
      else quoted = false;
    } else if (byte === COMMA) {
      atFieldStart = true;
    } else {
      quoted = byte === QUOTE && atFieldStart;
      atFieldStart = false;
    }
  }
  return quoted;
}

export function decodeText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Splits one CSV record into fields (RFC 4180 quoting, `""` inside quotes is a quote). */
export function splitFields(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) {
          value += text.slice(i);
          i = text.length;
          break;
        }
        value += text.slice(i, close);
        if (text[close + 1] === '"') {
          value += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
    }
    const comma = text.indexOf(',', i);
    fields.push(value + text.slice(i, comma < 0 ? text.length : comma));
    if (comma < 0) return fields;
    i = comma + 1;
  }
}
