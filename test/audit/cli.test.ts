import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runAudit } from '../../src/cli/audit.js';
import type { AuditReport } from '../../src/audit/types.js';
import { isRebuyError } from '../../src/errors.js';
import { REAL_CSV, realDataPresent } from '../helpers/paths.js';


/** Runs the command and returns what it wrote to stdout. */
async function stdoutOf(run: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return chunks.join('');
}

describe('runAudit', () => {
  let dir: string;
  let csv: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebuy-audit-'));
    csv = join(dir, 'churn.csv');
    // 400 customers; everyone on the "legacy" plan renewed.
    const lines = ['customer,plan,tenure,renewed'];
    for (let i = 0; i < 400; i++) {
      const plan = i % 4 === 0 ? 'legacy' : i % 4 === 1 ? 'basic' : 'pro';
      const renewed = plan === 'legacy' ? 1 : (i * 7) % 3 === 0 ? 1 : 0;
      lines.push(`c${i},${plan},${(i * 37) % 101},${renewed}`);
    }
    await writeFile(csv, `${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('prints the report as JSON with --json and leaves the exit code at 0', async () => {
    const out = await stdoutOf(() => runAudit({ data: csv, id: 'customer', target: 'renewed', json: true }));
    const report = JSON.parse(out) as AuditReport;
    expect(report.nRows).toBe(400);
    expect(report.idColumn).toBe('customer');
    const leak = report.findings.find((f) => f.code === 'PURE_GROUP' && f.column === 'plan');
    expect(leak?.details).toMatchObject({ kind: 'level', level: 'legacy', rows: 100, targetClass: 1 });
    expect(report.counts.problem).toBeGreaterThan(0);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('reports duplicate customer IDs instead of refusing the file', async () => {
    const dupes = join(dir, 'dupes.csv');
    await writeFile(dupes, 'customer,tenure,renewed\nc1,5,1\nc2,7,0\nc1,9,0\nc3,2,1\n');
    const out = await stdoutOf(() => runAudit({ data: dupes, id: 'customer', target: 'renewed', json: true }));
    const report = JSON.parse(out) as AuditReport;
    expect(JSON.stringify(report)).toContain('c1');
    expect(report.findings.some((f) => f.code === 'DUPLICATE_IDS')).toBe(true);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('prints readable text by default', async () => {
    const out = await stdoutOf(() => runAudit({ data: csv, id: 'customer', target: 'renewed', json: false }));
    expect(out.startsWith('Data audit\n\nChecked ')).toBe(true);
    expect(out.replace(/\s+/g, ' ')).toContain('All 100 customers with "plan" equal to "legacy" bought again');
  });

  it.skipIf(!realDataPresent('runAudit on the real data'))('audits the real Audiobooks file', async () => {
    const out = await stdoutOf(() => runAudit({ data: REAL_CSV, json: false }));
    expect(out.replace(/\s+/g, ' ')).toContain('"review_score" is 8.91 for 11,616 of 14,084 customers');
  });

  it('lets an unreadable file fail as the user\'s input error (exit code 2)', async () => {
    const missing = join(dir, 'nope.csv');
    const error = await runAudit({ data: missing, json: false }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(isRebuyError(error)).toBe(true);
    expect(isRebuyError(error) && error.exitCode).toBe(2);
  });
});
