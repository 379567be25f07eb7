/**
 * POST /v1/scores when the serving bundle is an uplift bundle: per customer the chance of buying
 * without contact and with each treatment, the uplifts, and with money settings the treatment to
 * send and the expected incremental profit; the same figures and decision as `rebuy score`.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { RebuyError } from '../../errors.js';
import type { UpliftMoney } from '../../evaluate/uplift-decide.js';
import type { Predictor } from '../../predict/types.js';
import { addToTally, emptyTally, scoreUpliftFile, streamUpliftScores, tallyDecision, type UpliftScores } from '../../predict/uplift-score.js';
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

/** A scored upload, kept beside it on disk until the answer has been sent: the CSV file, or the JSON head and its rows' file. */
export type UpliftScored =
  | { kind: 'csv'; rows: number; seconds: number; path: string }
  | { kind: 'json'; rows: number; seconds: number; head: Record<string, unknown>; rowsPath: string };

/** A JSON number, or null for a value JSON cannot hold. */
const jsonNumber = (v: number): string => (Number.isFinite(v) ? String(v) : 'null');

/** Rows per piece of text written. */
const BATCH = 1000;

/** A chunk's rows as JSON objects, each preceded by a comma unless it is the list's first. */
function rowsJson(s: UpliftScores, first: boolean): string[] {
  const choice = s.choice;
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
  const pieces: string[] = [];
  for (let start = 0; start < s.ids.length; start += BATCH) {
    let text = '';
    for (let i = start; i < Math.min(start + BATCH, s.ids.length); i++) text += `${first && i === 0 ? '' : ','}${row(i)}`;
    pieces.push(text);
  }
  return pieces;
}

/**
 * Scores the upload a chunk at a time (streamUpliftScores), so memory stays bounded whatever its
 * size: the CSV answer is `rebuy score`'s file; for JSON the rows go to a file beside the upload while
 * the decision over the whole list is summed, since the answer's head, which comes first, holds it.
 */
export async function scoreUpliftUpload(predictor: Predictor, upload: Upload, query: ScoreQuery, json: boolean): Promise<UpliftScored> {
  const started = performance.now();
  const money = upliftMoneyOf(query);
  const seconds = (): number => (performance.now() - started) / 1000;
  if (!json) {
    const path = join(upload.dir, 'scored.csv');
    const summary = await scoreUpliftFile(predictor, upload.path, path, money);
    return { kind: 'csv', rows: summary.rows, seconds: seconds(), path };
  }
  const section = predictor.manifest.uplift!;
  const tally = emptyTally(section.treatments.length, money !== undefined);
  const rowsPath = join(upload.dir, 'rows.json');
  const file = await open(rowsPath, 'w');
  try {
    for await (const scores of streamUpliftScores(predictor, upload.path, money)) {
      for (const text of rowsJson(scores, tally.customers === 0)) await file.write(text);
      addToTally(tally, scores);
    }
  } finally {
    await file.close();
  }
  const decision = money ? tallyDecision(tally, money) : null;
  const head = {
    kind: 'uplift',
    model: predictor.bundleHash,
    seconds: seconds(),
    control: section.control,
    treatments: section.treatments,
    money: money ?? null,
    decision: decision && { ...decision, expectedProfit: { ...decision.expectedProfit, value: finite(decision.expectedProfit.value), interval: decision.expectedProfit.interval.map(finite) } },
  };
  return { kind: 'json', rows: tally.customers, seconds: head.seconds, head, rowsPath };
}

/** The JSON answer: its head, then the rows' file as it was written, streamed. */
export function upliftJson(scored: Extract<UpliftScored, { kind: 'json' }>): Readable {
  async function* generate(): AsyncGenerator<string | Buffer> {
    yield `${JSON.stringify(scored.head).slice(0, -1)},"rows":[`;
    for await (const chunk of createReadStream(scored.rowsPath)) yield chunk as Buffer;
    yield ']}';
  }
  return Readable.from(generate(), { objectMode: false });
}

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
