/**
 * POST /v1/scores when the serving bundle is an uplift bundle: per customer the chance of buying
 * without contact and with each treatment, the uplifts, and with money settings the treatment to
 * send and the expected incremental profit; the same figures and decision as `rebuy score`.
 */
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { scoreUpliftTable, upliftOutputColumns, type UpliftTableScores } from '../../app/uplift-decide.js';
import { readTable } from '../../data/read.js';
import { writeCsv } from '../../data/write.js';
import { RebuyError } from '../../errors.js';
import { expectedListProfit, type UpliftMoney } from '../../evaluate/uplift-decide.js';
import type { Predictor } from '../../predict/types.js';
import type { ScoreQuery } from '../schemas.js';
import type { Upload } from '../upload.js';

/** The query's money settings: both or neither, as `rebuy score` takes them. */
export function upliftMoneyOf(query: ScoreQuery): UpliftMoney | undefined {
  const cost = query.contact_cost;
  const value = query.value_per_return;
  if (cost === undefined && value === undefined) return undefined;
  if (cost === undefined) throw new RebuyError('USAGE', 'querystring contact_cost: give it with value_per_return (both or neither)', { field: 'contact_cost' });
  if (value === undefined) throw new RebuyError('USAGE', 'querystring value_per_return: give it with contact_cost (both or neither)', { field: 'value_per_return' });
  return { contactCost: cost, valuePerReturn: value };
}

/** Checks what an uplift bundle cannot do before the upload is scored. */
export function checkUpliftQuery(query: ScoreQuery): void {
  if (query.skip_bad_rows) {
    throw new RebuyError('USAGE', 'querystring skip_bad_rows: an uplift bundle scores every row or none; fix the row the error names', { field: 'skip_bad_rows' });
  }
  upliftMoneyOf(query);
}

export interface UpliftScored {
  scores: UpliftTableScores;
  money: UpliftMoney | undefined;
  seconds: number;
}

export async function scoreUpliftUpload(predictor: Predictor, upload: Upload, query: ScoreQuery): Promise<UpliftScored> {
  const started = performance.now();
  const money = upliftMoneyOf(query);
  const table = await readTable(upload.path, { schema: predictor.manifest.schema });
  const scores = await scoreUpliftTable(predictor, table, money);
  return { scores, money, seconds: (performance.now() - started) / 1000 };
}

/** A JSON number, or null for a value JSON cannot hold. */
const jsonNumber = (v: number): string => (Number.isFinite(v) ? String(v) : 'null');

/** Rows per piece of the streamed answer. */
const BATCH = 1000;

/** The JSON answer, streamed a batch of rows at a time; numbers written exactly as scored. */
export function upliftJson(predictor: Predictor, scored: UpliftScored): Readable {
  const { scores: s, money } = scored;
  const choice = s.choice;
  const decision =
    choice && money
      ? {
          customers: s.ids.length,
          contacted: choice.treatment.filter((t) => t >= 0).length,
          byTreatment: s.treatments.map((_, t) => choice.treatment.filter((c) => c === t).length),
          putOff: choice.putOff.reduce((a, b) => a + b, 0),
          expectedProfit: expectedListProfit(s, choice, money),
        }
      : null;
  const head = {
    kind: 'uplift',
    model: predictor.bundleHash,
    seconds: scored.seconds,
    control: predictor.manifest.uplift!.control,
    treatments: s.treatments,
    money: money ?? null,
    decision: decision && { ...decision, expectedProfit: { ...decision.expectedProfit, value: finite(decision.expectedProfit.value), interval: decision.expectedProfit.interval.map(finite) } },
  };
  const names = s.treatments.map((t) => JSON.stringify(t));
  const perTreatment = (values: Float32Array[], i: number): string => `{${names.map((name, t) => `${name}:${jsonNumber(values[t]![i]!)}`).join(',')}}`;
  const row = (i: number): string => {
    const best = s.best[i]!;
    const send = choice ? JSON.stringify(choice.treatment[i]! >= 0 ? s.treatments[choice.treatment[i]!]! : 'none') : 'null';
    return (
      `{"id":${JSON.stringify(s.ids[i])},"p_no_contact":${jsonNumber(s.control[i]!)},"p":${perTreatment(s.treated, i)},"uplift":${perTreatment(s.uplift, i)}` +
      `,"best_treatment":${JSON.stringify(s.uplift[best]![i]! > 0 ? s.treatments[best]! : 'none')},"send":${send}` +
      `,"expected_incremental_profit":${choice ? jsonNumber(choice.gain[i]!) : 'null'},"put_off":${s.uplift[best]![i]! < 0}}`
    );
  };
  function* generate(): Generator<string> {
    yield `${JSON.stringify(head).slice(0, -1)},"rows":[`;
    for (let start = 0; start < s.ids.length; start += BATCH) {
      let text = '';
      for (let i = start; i < Math.min(start + BATCH, s.ids.length); i++) text += `${i === 0 ? '' : ','}${row(i)}`;
      yield text;
    }
    yield ']}';
  }
  return Readable.from(generate(), { objectMode: false });
}

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** The CSV answer, written beside the upload: the columns `rebuy score` writes. */
export async function upliftCsv(scored: UpliftScored, dir: string): Promise<string> {
  const output = join(dir, 'scored.csv');
  await writeCsv(output, upliftOutputColumns(scored.scores));
  return output;
}
