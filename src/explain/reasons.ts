/**
 * Contributions in plain words. The Audiobooks schema gets sentences marketing can read ("3 support
 * requests: raises the chance"); any other schema gets "<column> = <value>: raises the chance".
 */
import type { TableSchema } from '../core/schema.js';
import { formatNumber } from '../core/format.js';
import { AUDIOBOOKS_WORDS, type CustomerValues } from '../domain/audiobooks.js';
import type { Contribution, Direction, FeatureValue, Reason } from './types.js';

export type { CustomerValues } from '../domain/audiobooks.js';

function effect(direction: Direction, contribution: number): string {
  return contribution === 0 ? 'makes no difference' : `${direction} the chance`;
}

function genericValue(value: FeatureValue): string {
  if (value === null) return 'missing';
  return typeof value === 'number' ? formatNumber(value) : value;
}

/** Puts one contribution into words; `row` holds the customer's other values. */
export function describeReason(schema: TableSchema, contribution: Contribution, row: CustomerValues): Reason {
  const { feature, value } = contribution;
  const direction: Direction = contribution.contribution < 0 ? 'lowers' : 'raises';
  const words = schema.name === 'audiobooks' ? AUDIOBOOKS_WORDS[feature] : undefined;
  let label = feature;
  let actionable = false;
  let phrase = `${feature} = ${genericValue(value)}`;
  if (words) {
    label = words.label;
    actionable = words.actionable;
    phrase = typeof value === 'number' ? words.phrase(value, row) : `${words.label} not known`;
  }
  return {
    feature,
    label,
    value,
    contribution: contribution.contribution,
    direction,
    actionable,
    text: `${phrase}: ${effect(direction, contribution.contribution)}`,
  };
}

/** The `top` contributions of largest magnitude (ties: schema order), largest first, in words. */
export function describeReasons(schema: TableSchema, contributions: readonly Contribution[], top: number): Reason[] {
  const k = Number.isFinite(top) ? Math.max(0, Math.min(Math.floor(top), contributions.length)) : 0;
  if (k === 0) return [];
  const row: CustomerValues = new Map(contributions.map((c) => [c.feature, c.value]));
  return contributions
    .map((c, index) => ({ c, index }))
    .sort((a, b) => Math.abs(b.c.contribution) - Math.abs(a.c.contribution) || a.index - b.index)
    .slice(0, k)
    .map(({ c }) => describeReason(schema, c, row));
}
