/** A CSV request body streamed to a temporary file, refused with 413 the moment it passes the limit. */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { RebuyError } from '../errors.js';

export interface Upload {
  dir: string;
  path: string;
  bytes: number;
}

export const UPLOAD_NAME = 'upload.csv';

export function isUpload(value: unknown): value is Upload {
  return typeof value === 'object' && value !== null && typeof (value as Upload).path === 'string' && typeof (value as Upload).dir === 'string';
}

export function tooLarge(maxBytes: number): RebuyError {
  return new RebuyError('PAYLOAD_TOO_LARGE', `the upload is larger than the limit of ${formatBytes(maxBytes)}`);
}

function formatBytes(bytes: number): string {
  return bytes >= 1 << 20 ? `${Math.round((bytes / (1 << 20)) * 10) / 10} MB` : `${bytes} bytes`;
}

export async function removeUpload(upload: Pick<Upload, 'dir'>): Promise<void> {
  await rm(upload.dir, { recursive: true, force: true }).catch(() => undefined);
}

/**
 * Writes the body to `<tmpDir>/rebuy-upload-XXXX/upload.csv`. Checks Content-Length first, then
 * counts bytes as they arrive; past the limit it stops reading and rejects at once.
 */
export async function receiveUpload(
  request: FastifyRequest,
  payload: NodeJS.ReadableStream,
  options: { tmpDir: string; maxBytes: number },
): Promise<Upload> {
  const { maxBytes } = options;
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') {
    throw new RebuyError('UNSUPPORTED_MEDIA_TYPE', 'compressed uploads are not accepted: send the CSV uncompressed');
  }

  const dir = await mkdtemp(join(options.tmpDir, 'rebuy-upload-'));
  const path = join(dir, UPLOAD_NAME);
  const out = createWriteStream(path);
  let bytes = 0;
  let settled = false;

  return new Promise<Upload>((resolve, reject) => {
    const stop = (err: Error): void => {
      if (settled) return;
      settled = true;
      payload.removeListener('data', onData);
      payload.pause();
      out.destroy();
      void removeUpload({ dir });
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes > maxBytes) return stop(tooLarge(maxBytes));
      if (!out.write(chunk)) {
        payload.pause();
        out.once('drain', () => payload.resume());
      }
    };
    payload.on('data', onData);
    payload.once('end', () => out.end());
    payload.once('error', (err: Error) => stop(err));
    payload.once('close', () => {
      if (!out.writableEnded) stop(new RebuyError('MALFORMED', 'the upload was interrupted'));
    });
    out.once('error', (err) => stop(err));
    out.once('finish', () => {
      if (settled) return;
      settled = true;
      resolve({ dir, path, bytes });
    });
  });
}
