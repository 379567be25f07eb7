/**
 * A target written as two words (Yes/No, True/False, Y/N) rather than 0/1: which value means 1.
 * The common pairs are read without asking (the "yes"/"true"/1 side is 1); any other two values
 * need the user to name the outcome to predict, since guessing it would silently invert the model.
 */
import { inputError } from '../../errors.js';
import type { TargetValues } from '../../core/schema.js';

/** Pairs read without asking, the positive value first; compared after trimming, in any case. */
export const KNOWN_TARGET_PAIRS: readonly (readonly [positive: string, negative: string])[] = [
  ['yes', 'no'],
  ['true', 'false'],
  ['y', 'n'],
  ['1', '0'],
];

const key = (value: string): string => value.trim().toLowerCase();
const quoted = (values: readonly string[]): string => values.map((v) => JSON.stringify(v)).join(values.length === 2 ? ' and ' : ', ');

/**
 * The coding of a target column from its distinct non-empty values (as the file spells them; at
 * most three are needed) and the value the user named as positive, if any.
 */
export function targetCoding(file: string, column: string, values: readonly string[], positive?: string): TargetValues {
  const distinct = [...new Map(values.map((v) => [key(v), v.trim()])).values()];
  const where = { file, column };
  if (distinct.length > 2) {
    throw inputError(`the target must have two values (a customer bought again or not); it has more: ${quoted(distinct.slice(0, 3))}…`, where);
  }
  if (distinct.length < 2) {
    throw inputError(`the target has ${distinct.length === 0 ? 'no values' : `one value only (${quoted(distinct)})`}: there is nothing to learn`, where);
  }
  const [a, b] = distinct as [string, string];
  if (positive !== undefined) {
    if (key(positive) === key(a)) return { positive: a, negative: b };
    if (key(positive) === key(b)) return { positive: b, negative: a };
    throw inputError(`\`positive\` ${JSON.stringify(positive)} is not one of the target's values ${quoted(distinct)}`, where);
  }
  const pair = KNOWN_TARGET_PAIRS.find(([yes, no]) => (key(a) === yes && key(b) === no) || (key(a) === no && key(b) === yes));
  if (!pair) {
    throw inputError(
      `the target's values are ${quoted(distinct)}: name the one that means "bought again" with \`positive\` (--positive ${JSON.stringify(b)})`,
      where,
    );
  }
  return key(a) === pair[0] ? { positive: a, negative: b } : { positive: b, negative: a };
}

/** The target as the model takes it, in SQL: 1, 0, NULL when empty, +Infinity for any other value (refused on reading). */
export function targetValueSql(text: string, coding: TargetValues): string {
  const literal = (v: string): string => `'${key(v).replaceAll("'", "''")}'`;
  const t = `lower(trim(${text}))`;
  return `CASE WHEN ${text} IS NULL OR ${t} = '' THEN NULL WHEN ${t} = ${literal(coding.positive)} THEN 1.0 WHEN ${t} = ${literal(coding.negative)} THEN 0.0 ELSE 'Infinity'::DOUBLE END`;
}

/** What a target value must be, for messages: "0 or 1", or the two values of a coded target. */
export function targetValuesInWords(coding: TargetValues | undefined): string {
  return coding ? `${JSON.stringify(coding.positive)} or ${JSON.stringify(coding.negative)}` : '0 or 1';
}
