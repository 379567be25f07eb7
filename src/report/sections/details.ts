/** The last section: the bundle's settings for whoever needs to reproduce or audit the model. */
import type { ManifestDraft } from '../../bundle/manifest.js';
import { objectiveInWords } from '../../bundle/objective.js';
import { section, table } from '../markup.js';
import { escapeHtml } from '../svg.js';
import { count, fixed, percent } from '../words.js';

export function detailsSection(manifest: ManifestDraft): string {
  const d = manifest.data;
  const c = manifest.model.config;
  const rows: [string, string][] = [
    ['Created', manifest.createdAt],
    ['Training data', d.files.length ? d.files.join(', ') : '(none recorded)'],
    ['Data fingerprint (SHA-256)', d.fingerprint],
    ['Synthetic demo data', d.synthetic ? 'yes' : 'no'],
    ['Customers', `${count(d.rows)} (${count(d.positives)} bought again, ${percent(d.rows ? d.positives / d.rows : Number.NaN)})`],
    ['Class balancing', d.balance],
    ['Split train / validation / test', d.split.join(' / ')],
    ['Rows train / validation / test / natural test', [d.trainRows, d.validRows, d.testRows, d.naturalTestRows].map(count).join(' / ')],
    ['Seed', String(d.seed)],
    ['Input features', manifest.featureNames.join(', ')],
    ['Model', `${manifest.model.name}${c ? `: hidden ${c.hidden.join('×') || 'none'}, ${c.activation}, ${c.output} output` : ''}${manifest.model.derived ? ', with derived features' : ''}`],
    ['Baseline', manifest.baseline ? `${manifest.baseline.name}${manifest.baseline.derived ? ', with derived features' : ''}` : 'none'],
    ['Threshold', `${fixed(manifest.threshold, 4)} (${objectiveInWords(manifest.thresholdObjective)})`],
    ['Calibration', `${manifest.calibration.method}, slope ${fixed(manifest.calibration.slope, 4)}, intercept ${fixed(manifest.calibration.intercept, 4)}`],
    ['Packages', Object.entries(manifest.packages).map(([k, v]) => `${k} ${v}`).join(', ') || '(none recorded)'],
  ];
  const body = table({ head: ['Setting', 'Value'], rows: rows.map(([k, v]) => [escapeHtml(k), escapeHtml(v)]) });
  return section({ id: 'details', title: 'Technical details', body });
}
