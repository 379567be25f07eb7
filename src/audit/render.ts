/** The audit as a short text for a reader who does not train models: a summary paragraph, then sections. */
import type { AuditReport, Finding, FindingCode, Severity } from './types.js';
import { count, customers, percent } from './words.js';

const WIDTH = 96;

interface Section {
  title: string;
  codes: FindingCode[];
  /** What to print when the section has no findings. */
  none: string;
}

const SECTIONS: Section[] = [
  { title: 'Size and outcome', codes: ['EMPTY_TABLE', 'NO_TARGET', 'TARGET_CONSTANT', 'CLASS_IMBALANCE'], none: '' },
  { title: 'Leakage suspects', codes: ['PURE_GROUP', 'SEPARATOR'], none: 'No column decides the outcome on its own.' },
  { title: 'Names and values that disagree', codes: ['HEADERS_SWAPPED', 'PAIR_INCONSISTENT'], none: 'No total/average pair contradicts its names.' },
  { title: 'Values that look filled in', codes: ['FILLED_VALUE', 'DOMINANT_VALUE', 'DOMINANT_ZERO'], none: 'No value stands out as filled in.' },
  { title: 'Duplicates', codes: ['DUPLICATE_IDS', 'DUPLICATE_ROWS', 'CONFLICTING_DUPLICATES'], none: 'No duplicate IDs or duplicate rows.' },
  { title: 'Missing and constant columns', codes: ['MISSING_VALUES', 'CONSTANT_COLUMN'], none: 'No missing values and no constant columns.' },
];

/** How the summary names findings of each code: [one, many]. */
const NOUNS: Record<FindingCode, [string, string]> = {
  EMPTY_TABLE: ['empty table', 'empty tables'],
  NO_TARGET: ['missing outcome column', 'missing outcome columns'],
  TARGET_CONSTANT: ['outcome with a single value', 'outcomes with a single value'],
  CLASS_IMBALANCE: ['uneven outcome', 'uneven outcomes'],
  MISSING_VALUES: ['column with missing values', 'columns with missing values'],
  CONSTANT_COLUMN: ['constant column', 'constant columns'],
  DUPLICATE_IDS: ['set of duplicate IDs', 'sets of duplicate IDs'],
  DUPLICATE_ROWS: ['set of duplicate rows', 'sets of duplicate rows'],
  CONFLICTING_DUPLICATES: ['set of duplicates with conflicting outcomes', 'sets of duplicates with conflicting outcomes'],
  FILLED_VALUE: ['filled-in value', 'filled-in values'],
  DOMINANT_VALUE: ['very common value', 'very common values'],
  DOMINANT_ZERO: ['column that is mostly zero', 'columns that are mostly zero'],
  HEADERS_SWAPPED: ['pair of swapped headers', 'pairs of swapped headers'],
  PAIR_INCONSISTENT: ['inconsistent total/average pair', 'inconsistent total/average pairs'],
  PURE_GROUP: ['leakage suspect', 'leakage suspects'],
  SEPARATOR: ['near-perfect separator', 'near-perfect separators'],
};

const MARK: Record<Severity, string> = { problem: 'PROBLEM', warning: 'WARNING', info: 'note' };

function wrap(text: string, indent: string, firstIndent = indent): string {
  const lines: string[] = [];
  let line = firstIndent;
  let empty = true;
  // A number keeps its unit: "16.0 %" is never split.
  for (const word of text.split(/\s+(?!%)/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = indent;
      empty = true;
    }
    line += (empty ? '' : ' ') + word;
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** "4 leakage suspects and 2 pairs of swapped headers". */
function tally(findings: readonly Finding[]): string {
  const byCode = new Map<FindingCode, number>();
  for (const f of findings) byCode.set(f.code, (byCode.get(f.code) ?? 0) + 1);
  const parts = [...byCode].map(([code, n]) => `${count(n)} ${n === 1 ? NOUNS[code][0] : NOUNS[code][1]}`);
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

function severityPhrase(report: AuditReport, severity: Severity, one: string, many: string): string | null {
  const found = report.findings.filter((f) => f.severity === severity);
  if (found.length === 0) return null;
  return `${count(found.length)} ${found.length === 1 ? one : many} (${tally(found)})`;
}

function summary(report: AuditReport): string {
  const { positive } = report.options.labels;
  const balance = report.classBalance;
  const size =
    `Checked ${report.source}: ${customers(report.nRows)} described by ${count(report.nFeatures)} columns` +
    (balance && report.nRows > 0 ? `, of whom ${count(balance.positives)} (${percent(balance.positiveShare)}) ${positive}.` : '.');
  const found = [
    severityPhrase(report, 'problem', 'problem', 'problems'),
    severityPhrase(report, 'warning', 'warning', 'warnings'),
    severityPhrase(report, 'info', 'note', 'notes'),
  ].filter((p): p is string => p !== null);
  const verdict =
    report.counts.problem > 0
      ? 'Fix or explain the problems before trusting any model trained on this table.'
      : report.counts.warning > 0
        ? 'Nothing blocks training, but read the warnings.'
        : 'Nothing stands out: the table looks ready for training.';
  const foundText = found.length === 0 ? 'Nothing to report.' : `Found ${found.join('; ')}.`;
  return `${size} ${foundText} ${verdict}`;
}

function sizeLine(report: AuditReport): string | null {
  const b = report.classBalance;
  if (!b || report.nRows === 0) return null;
  const { positive, negative } = report.options.labels;
  return `${customers(report.nRows)}: ${count(b.positives)} ${positive} (${percent(b.positiveShare)}), ${count(b.negatives)} ${negative} (${percent(1 - b.positiveShare)}).`;
}

export function renderAuditText(report: AuditReport): string {
  const out: string[] = ['Data audit', '', wrap(summary(report), ''), ''];
  for (const section of SECTIONS) {
    const findings = report.findings.filter((f) => section.codes.includes(f.code));
    const lines: string[] = [];
    if (section.title === 'Size and outcome') {
      const line = sizeLine(report);
      if (line) lines.push(wrap(line, '  ', '  '));
    }
    for (const f of findings) lines.push(wrap(`${MARK[f.severity]}: ${f.message}`, '    ', '  - '));
    if (lines.length === 0 && section.none) lines.push(`  ${section.none}`);
    if (lines.length === 0) continue;
    out.push(section.title, ...lines, '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
