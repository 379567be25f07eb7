/**
 * A minimal CSV scanner over raw bytes: the first record, counting lines and records, and the
 * records in order with the file line each starts on (for locating a problem DuckDB reported).
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

/** A CSV record as raw bytes (line terminators removed) and the file line it starts on. */
export interface RawRecord {
  line: number;
  /** The record's bytes, cut to `MAX_RECORD_BYTES`. */
  bytes: Buffer;
  /** The record's full length in bytes. */
  length: number;
  /** In a record cut short: where the first separator after the kept bytes is (-1: none seen), so the cut field's size is known. */
  separatorAfterCut?: number;
}

const LF = 0x0a;

const CR = 0x0d;

export const QUOTE = 0x22;

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

/** Whether the file holds a quote anywhere, and whether its lines end both in LF and in CRLF. */
export async function scanLineEnds(path: string): Promise<{ quoted: boolean; mixedLineEnds: boolean }> {
  let quoted = false;
  let crlf: boolean | null = null;
  let previous = -1; // the byte before the block
  for await (const block of fileBlocks(path)) {
    quoted ||= block.includes(QUOTE);
    // A file with no CR at all has LF ends only: one fast search settles the common case.
    if (crlf !== true && !block.includes(CR)) {
      if (crlf === null && block.includes(LF)) crlf = false;
      previous = block[block.length - 1]!;
      continue;
    }
    for (let nl = block.indexOf(LF); nl >= 0; nl = block.indexOf(LF, nl + 1)) {
      const ends = (nl > 0 ? block[nl - 1] : previous) === CR;
      if (crlf === null) crlf = ends;
      else if (ends !== crlf) return { quoted: quoted || (await fileHasQuote(path)), mixedLineEnds: true };
    }
    previous = block[block.length - 1]!;
  }
  return { quoted, mixedLineEnds: false };
}

async function fileHasQuote(path: string): Promise<boolean> {
  for await (const block of fileBlocks(path)) if (block.includes(QUOTE)) return true;
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

export async function firstRecord(path: string, delimiter = ','): Promise<RawRecord | null> {
  for await (const record of rawRecords(path, true, delimiter)) return record;
  return null;
}

/**
 * The longest record (line) rebuy reads, in bytes: DuckDB is told the same limit (max_line_size),
 * and the scanner keeps at most this much of a record, so a file of one endless line reads in
 * bounded memory and gets a message naming the field that is too long.
 */
export const MAX_RECORD_BYTES = 1 << 20;

interface PhysicalLine {
  /** The line without its line end, cut to `MAX_RECORD_BYTES`. */
  bytes: Buffer;
  /** The line's full length in bytes (more than `bytes.length` when cut). */
  length: number;
  /** Quote characters in the whole line, kept part or not. */
  quotes: number;
  /** Whether the line ended in CRLF (null: no line end). */
  crlf: boolean | null;
  /** Position of the first separator at or after `MAX_RECORD_BYTES` (-1: none). */
  separatorAfterLimit: number;
}

/**
 * Physical lines, in one pass: a line that spans read chunks is gathered as a list of pieces and
 * joined once, never re-joined per chunk, and bytes past `MAX_RECORD_BYTES` are counted, not kept.
 */
async function* physicalLines(path: string, separator = 0x2c): AsyncGenerator<PhysicalLine> {
  let pieces: Buffer[] = [];
  let kept = 0;
  let length = 0;
  let quotes = 0;
  let lastByte = -1;
  let separatorAfterLimit = -1;
  const add = (piece: Buffer): void => {
    if (piece.length === 0) return;
    if (separatorAfterLimit < 0 && length + piece.length > MAX_RECORD_BYTES) {
      const at = piece.indexOf(separator, Math.max(0, MAX_RECORD_BYTES - length));
      if (at >= 0) separatorAfterLimit = length + at;
    }
    length += piece.length;
    quotes += countByte(piece, QUOTE);
    lastByte = piece[piece.length - 1]!;
    if (kept >= MAX_RECORD_BYTES) return;
    const part = piece.length > MAX_RECORD_BYTES - kept ? piece.subarray(0, MAX_RECORD_BYTES - kept) : piece;
    pieces.push(Buffer.from(part));
    kept += part.length;
  };
  const take = (crlf: boolean | null): PhysicalLine => {
    let bytes = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, kept);
    if (crlf && bytes.length === length) bytes = bytes.subarray(0, bytes.length - 1);
    const line = { bytes, length: crlf ? length - 1 : length, quotes, crlf, separatorAfterLimit };
    pieces = [];
    kept = length = quotes = 0;
    lastByte = separatorAfterLimit = -1;
    return line;
  };
  for await (const chunk of fileChunks(path)) {
    let start = 0;
    for (let nl = chunk.indexOf(LF, start); nl >= 0; nl = chunk.indexOf(LF, start)) {
      if (pieces.length === 0 && length === 0) {
        // The common case, a line inside one chunk: no copy.
        const crlf = nl > start && chunk[nl - 1] === CR;
        const end = crlf ? nl - 1 : nl;
        const bytes = chunk.subarray(start, Math.min(end, start + MAX_RECORD_BYTES));
        const after = end - start > MAX_RECORD_BYTES ? chunk.subarray(start, end).indexOf(separator, MAX_RECORD_BYTES) : -1;
        yield { bytes, length: end - start, quotes: countByte(chunk.subarray(start, end), QUOTE), crlf, separatorAfterLimit: after };
      } else {
        add(chunk.subarray(start, nl));
        yield take(lastByte === CR);
      }
      start = nl + 1;
    }
    add(chunk.subarray(start));
  }
  if (length > 0) yield take(null);
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

/** A file's first physical line (cut to `MAX_RECORD_BYTES`), or null when the file is empty. */
export async function firstLine(path: string): Promise<Buffer | null> {
  // The separator is not known yet; it matters only for a line cut short, and this one is only looked at.
  for await (const { bytes } of physicalLines(path)) return stripBom(bytes, 1);
  return null;
}

/**
 * Records: physical lines joined while a quoted field is open; blank lines skipped if `skipBlank`.
 * A record keeps at most `MAX_RECORD_BYTES` (its `length` says how long it was).
 */
export async function* rawRecords(path: string, skipBlank: boolean, delimiter = ','): AsyncGenerator<RawRecord> {
  const separator = delimiter.charCodeAt(0);
  let line = 0;
  let parts: Buffer[] = [];
  let kept = 0;
  let length = 0;
  let startLine = 0;
  let quotes = 0;
  let separatorAfterCut = -1;
  const finish = (): RawRecord => {
    const bytes = stripBom(parts.length === 1 ? parts[0]! : Buffer.concat(parts), startLine);
    const bom = bytes.length < kept ? 3 : 0;
    const record = { line: startLine, bytes, length: length - bom, separatorAfterCut: separatorAfterCut < 0 ? -1 : separatorAfterCut - bom };
    parts = [];
    kept = length = quotes = 0;
    separatorAfterCut = -1;
    return record;
  };
  for await (const physical of physicalLines(path, separator)) {
    line++;
    if (length === 0 && parts.length === 0) {
      if (physical.length === 0 && skipBlank) continue;
      startLine = line;
    } else {
      length += 1;
      if (kept < MAX_RECORD_BYTES) {
        parts.push(NEWLINE);
        kept += 1;
      }
    }
    if (separatorAfterCut < 0 && length + physical.length > MAX_RECORD_BYTES) {
      // The cut falls in this line: look past it in what the line kept, then past the line's own limit.
      const inKept = physical.bytes.indexOf(separator, Math.max(0, MAX_RECORD_BYTES - length));
      const at = inKept >= 0 ? inKept : physical.separatorAfterLimit;
      if (at >= 0) separatorAfterCut = length + at;
    }
    length += physical.length;
    if (kept < MAX_RECORD_BYTES && physical.bytes.length > 0) {
      const part = physical.bytes.length > MAX_RECORD_BYTES - kept ? physical.bytes.subarray(0, MAX_RECORD_BYTES - kept) : physical.bytes;
      parts.push(part);
      kept += part.length;
    }
    quotes += physical.quotes;
    if (quotes % 2 === 0) yield finish();
  }
  if (length > 0 || parts.length > 0) yield finish();
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
export function endsInsideQuotes(bytes: Buffer, delimiter = ','): boolean {
  const separator = delimiter.charCodeAt(0);
  let quoted = false;
  let atFieldStart = true;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (quoted) {
      if (byte !== QUOTE) continue;
      if (bytes[i + 1] === QUOTE) i++;
      else quoted = false;
    } else if (byte === separator) {
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
export function splitFields(text: string, delimiter = ','): string[] {
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
    const comma = text.indexOf(delimiter, i);
    fields.push(value + text.slice(i, comma < 0 ? text.length : comma));
    if (comma < 0) return fields;
    i = comma + delimiter.length;
  }
}

/** The index of the first field where a quote stands inside an unquoted value (`Review "?/10`), or -1. */
export function strayQuoteField(text: string, delimiter = ','): number {
  let field = 0;
  let quoted = false;
  let atFieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') i++;
        else quoted = false;
      }
    } else if (text.startsWith(delimiter, i)) {
      field++;
      atFieldStart = true;
      i += delimiter.length - 1;
    } else if (ch === '"') {
      if (!atFieldStart) return field;
      quoted = true;
      atFieldStart = false;
    } else {
      atFieldStart = false;
    }
  }
  return -1;
}
