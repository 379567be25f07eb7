import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';

/** SHA-256 over the bytes of the given files, in order: identifies the training data. */
export async function fingerprintFiles(paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of paths) {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    hash.update('\0');
  }
  return hash.digest('hex');
}
