import { describe, expect, it } from 'vitest';
import { auditTable } from '../../src/audit/audit.js';
import { renderAuditText } from '../../src/audit/render.js';
import { makeTable } from './helpers.js';
import { cleanTable, plantedTable } from './synthetic.js';

describe('renderAuditText', () => {
  const planted = plantedTable();
  const report = auditTable(planted.table);
  const text = renderAuditText(report);
  const paragraphs = text.split('\n\n');

  it('opens with a one-paragraph summary that counts what was found', () => {
    expect(paragraphs[0]).toBe('Data audit');
    const summary = paragraphs[1]!.replace(/\s+/g, ' ');
    expect(summary).toContain('Checked synthetic.csv: 2,000 customers described by 10 columns');
    expect(summary).toContain(`Found ${report.counts.problem} problems (`);
    expect(summary).toMatch(/1 pair of swapped headers/);
    expect(summary).toMatch(/Fix or explain the problems/);
  });

  it('prints the sections in order, each finding with its severity and full message', () => {
    const titles = paragraphs.slice(2).map((p) => p.split('\n')[0]);
    expect(titles).toEqual([
      'Size and outcome',
      'Leakage suspects',
      'Names and values that disagree',
      'Values that look filled in',
      'Duplicates',
      'Missing and constant columns',
    ]);
    const flat = text.replace(/\s+/g, ' ');
    for (const f of report.findings) expect(flat).toContain(f.message.replace(/\s+/g, ' '));
    expect(text).toMatch(/^ {2}- PROBLEM: All .* customers whose "leaky"/m);
  });

  it('keeps lines short', () => {
    const long = text.split('\n').filter((line) => line.length > 96);
    expect(long).toEqual([]);
    expect(text).not.toMatch(/\n\s*%/); // "16.0 %" stays on one line
  });

  it('says plainly when nothing stands out', () => {
    const clean = renderAuditText(auditTable(cleanTable(1000, 5)));
    expect(clean).toContain('Nothing to report.');
    expect(clean).toContain('Nothing stands out');
    expect(clean).toContain('No column decides the outcome on its own.');
    expect(clean).not.toMatch(/PROBLEM|WARNING/);
  });

  it('renders an empty table', () => {
    const empty = renderAuditText(auditTable(makeTable({ numeric: { x: [] }, target: [] })));
    expect(empty).toMatch(/PROBLEM: synthetic\.csv has no customers/);
  });
});
