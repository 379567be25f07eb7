import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAudiobooksSample } from '../../src/data/sample.js';

/** A synthetic Audiobooks CSV of `rows` customers in a fresh temp directory. */
export async function syntheticCsv(rows: number, seed = 3): Promise<{ dir: string; csv: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'rebuy-pipeline-'));
  const csv = join(dir, 'customers.csv');
  await writeFile(csv, generateAudiobooksSample({ rows, seed }));
  return { dir, csv };
}
