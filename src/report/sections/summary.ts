/** Section 1: what the model predicts, how good it is, what to do with it, and what to be careful about. */
import { PER, perCustomers, type ReportData } from '../analysis.js';
import { code, h3, kpis, list, p, section, type Kpi } from '../markup.js';
import { escapeHtml } from '../svg.js';
import { objectiveInWords } from '../../bundle/objective.js';
import { aucVerdict, count, fixed, metricLabel, money, percent, plural } from '../words.js';

export function predictsWhat(data: ReportData): string {
  const { schema } = data.manifest;
  if (schema.name === 'audiobooks') {
    return 'whether a customer will buy again in the 6 months after the observation window';
  }
  return `the outcome in the column "${schema.target ?? 'target'}" (1 = yes)`;
}

function rankingSentence(data: ReportData): string {
  const auc = data.network.metrics.rocAuc;
  if (!Number.isFinite(auc)) return 'The test customers do not include both buyers and non-buyers, so ranking quality cannot be measured.';
  return (
    `Out of 100 pairs of one buyer and one non-buyer, the model gives the buyer the higher score ${Math.round(auc * 100)} times ` +
    `(ROC-AUC ${fixed(auc)}: ${aucVerdict(auc)}; 50 would be a coin toss).`
  );
}

function accuracySentence(data: ReportData): string {
  const m = data.network.metrics;
  const [[tn, fp]] = m.confusion;
  const specificity = tn + fp === 0 ? Number.NaN : tn / (tn + fp);
  let s =
    `At the chosen threshold it picks out ${percent(m.recall, 0)} of the buyers and correctly leaves out ${percent(specificity, 0)} ` +
    `of the non-buyers: a balanced accuracy of ${percent(m.balancedAccuracy)}.`;
  const balanced = data.manifest.model.metrics.balancedTest;
  if (balanced) {
    s += ` On a balanced test set (as many buyers as non-buyers, the way the course notebooks measure) its accuracy is ${percent(balanced.accuracy)}.`;
  }
  return s;
}

function baselineSentence(data: ReportData): string | null {
  if (!data.baseline) return null;
  const net = data.network.metrics.rocAuc;
  const base = data.baseline.metrics.rocAuc;
  if (!Number.isFinite(net) || !Number.isFinite(base)) return null;
  const diff = Math.round((net - base) * 100);
  const verdict =
    diff === 0
      ? 'about as good as the network'
      : diff > 0
        ? `the network does better by ${plural(diff, 'pair')} in 100`
        : `the baseline does better by ${plural(-diff, 'pair')} in 100`;
  return `A simple logistic regression (the baseline) ranks the buyer higher ${Math.round(base * 100)} times in 100 (ROC-AUC ${fixed(base)}): ${verdict}.`;
}

function leaderboardSentence(data: ReportData): string | null {
  const board = data.evaluation.leaderboard;
  const leader = board?.rows[0];
  if (!board || !leader) return null;
  const others = board.rows.slice(1);
  const worse = others.filter((r) => r.vsLeader?.significant).length;
  const tail =
    others.length === 0
      ? ''
      : worse === others.length
        ? ' and every other candidate is significantly worse.'
        : worse === 0
          ? `, but no other candidate is significantly worse: the differences could be chance.`
          : `; ${worse} of ${others.length} other candidates are significantly worse.`;
  return `Over ${plural(board.plans, 'repeated split')}, "${leader.candidate}" ranks first by ${metricLabel(board.rankBy)}${tail || '.'}`;
}

function decisionSentences(data: ReportData): string[] {
  const { operating } = data;
  const m = data.network.metrics;
  const [, [, tp]] = m.confusion;
  const contacted = perCustomers(data, operating.contacted);
  const buyers = perCustomers(data, tp);
  const allBuyers = perCustomers(data, data.positives);
  const atRandom = (contacted * allBuyers) / PER;
  const out = [
    `A customer is contacted when the predicted probability of buying again is at least ${fixed(operating.threshold)}. ` +
      `This threshold was chosen as ${objectiveInWords(data.manifest.thresholdObjective)}.`,
    `Out of ${count(PER)} customers it would contact ${count(contacted)}. About ${count(buyers)} of them would buy again ` +
      `(${percent(operating.precision, 0)} of those contacted), which reaches ${percent(m.recall, 0)} of the roughly ${count(allBuyers)} buyers among the ${count(PER)}. ` +
      `Contacting ${count(contacted)} customers at random would reach about ${count(atRandom)}.`,
  ];
  if (data.money) {
    const { settings, bootstrap, curve, expected } = data.money;
    const chosen = bootstrap.chosen;
    out.push(
      `With a contact cost of ${money(settings.contactCost)} and a value of ${money(settings.valuePerReturn)} per returning customer, ` +
        `the list was chosen ${data.rule}. The probabilities expect it to earn ${money(perCustomers(data, expected))} per ${count(PER)} customers; ` +
        `on the test customers, who played no part in choosing it, it earned ${money(perCustomers(data, chosen.profit))} per ${count(PER)} ` +
        `(95 % range for another group like them ${money(perCustomers(data, chosen.lower))} to ${money(perCustomers(data, chosen.upper))}; chance of a loss ${percent(chosen.lossProbability, 0)}). ` +
        `In hindsight the most profitable number on those same customers was ${count(perCustomers(data, curve.best.contacted))} of ${count(PER)} ` +
        `(profit ${money(perCustomers(data, curve.best.profit))}), an optimistic figure found with the labels it is judged on.`,
    );
  }
  return out;
}

function firstSentence(text: string): string {
  const end = text.search(/[.!?](\s|$)/);
  return end < 0 ? text : text.slice(0, end + 1);
}

function caveats(data: ReportData): string[] {
  const out: string[] = [];
  if (data.manifest.data.synthetic) out.push(escapeHtml('Trained on synthetic demo data, not real customers: the numbers show how the tool works and say nothing about your customers.'));
  const audit = data.audit;
  if (audit && audit.counts.problem + audit.counts.warning > 0) {
    const serious = audit.findings.filter((f) => f.severity !== 'info');
    // The first sentence of each finding: the details are in the Data audit section.
    const shown = serious.slice(0, 3).map((f) => `“${firstSentence(f.message)}”`).join(' ');
    out.push(
      escapeHtml(
        `The data audit found ${plural(audit.counts.problem, 'problem')} and ${plural(audit.counts.warning, 'warning')}: ${shown}` +
          (serious.length > 3 ? ` and ${serious.length - 3} more` : '') +
          ' (see Data audit).',
      ),
    );
  }
  if (!data.evaluation.leaderboard) {
    out.push(
      escapeHtml(
        `All numbers come from one test set of ${count(data.n)} customers (${count(data.positives)} buyers). ` +
          'A different random split can move them by a few points.',
      ),
    );
  }
  if (Number.isFinite(data.calibration.eceAfter) && data.calibration.eceAfter > 0.05) {
    out.push(
      escapeHtml(
        `The predicted probabilities are off by ${(data.calibration.eceAfter * 100).toFixed(1)} percentage points on average: use them to rank customers, not as exact chances.`,
      ),
    );
  }
  if (!data.money) {
    out.push(`No costs were given, so the report shows no profit. Set them with ${code('rebuy decide --contact-cost C --value-per-return V')}.`);
  }
  return out;
}

function keyNumbers(data: ReportData): Kpi[] {
  const m = data.network.metrics;
  const [, [, tp]] = m.confusion;
  const items: Kpi[] = [
    { value: Number.isFinite(m.rocAuc) ? `${Math.round(m.rocAuc * 100)} / 100` : '—', label: 'buyer–non-buyer pairs ranked right' },
    { value: percent(m.balancedAccuracy), label: 'balanced accuracy at the threshold' },
    { value: count(perCustomers(data, data.operating.contacted)), label: `customers to contact per ${count(PER)}` },
    { value: count(perCustomers(data, tp)), label: `expected buyers among them` },
  ];
  if (data.money) items.push({ value: money(perCustomers(data, data.money.bootstrap.chosen.profit)), label: `profit per ${count(PER)} test customers` });
  return items;
}

export function summarySection(data: ReportData): string {
  const ranking = [rankingSentence(data), accuracySentence(data), baselineSentence(data), leaderboardSentence(data)]
    .filter((s): s is string => s !== null)
    .map((s) => p(escapeHtml(s)));
  const warnings = caveats(data);
  const body =
    p(escapeHtml(`This model predicts ${predictsWhat(data)}. It gives every customer a probability; the marketing team contacts the customers above a threshold.`), 'lead') +
    kpis(keyNumbers(data)) +
    h3('How good is it?') +
    ranking.join('') +
    h3('The decision') +
    decisionSentences(data).map((s) => p(escapeHtml(s))).join('') +
    (warnings.length ? h3('Caveats') + list(warnings, 'caveats') : '');
  return section({ id: 'summary', title: 'Summary', body });
}
