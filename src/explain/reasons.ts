/**
 * Contributions in plain words, each relative to the reference customer and sized in percentage
 * points. The Audiobooks schema gets one sentence per fact ("listened to none of the book"); any
 * other schema gets "<column> = <value>". Actionable facts come first, so the message a marketer can
 * send leads.
 */
import type { TableSchema } from '../core/schema.js';
import { formatNumber } from '../core/format.js';
import { AUDIOBOOKS_GROUPS, type CustomerValues } from '../domain/audiobooks.js';
import type { Contribution, Direction, FeatureGroup, FeatureValue, Reason, Reference } from './types.js';

export type { CustomerValues } from '../domain/audiobooks.js';

/** Pushes smaller than this (in points) read as no difference. */
const NO_DIFFERENCE_POINTS = 0.05;

function genericValue(value: FeatureValue): string {
  if (value === null) return 'missing';
  return typeof value === 'number' ? formatNumber(value) : value;
}

/** A share on the probability scale in points, one decimal. */
export function toPoints(contribution: number): number {
  return Math.round(contribution * 1000) / 10;
}

/** "raises the chance by 4.2 points". */
export function effectWords(direction: Direction, contribution: number): string {
  const points = Math.abs(toPoints(contribution));
  if (Math.abs(contribution) * 100 < NO_DIFFERENCE_POINTS) return 'makes almost no difference';
  return `${direction} the chance by ${points.toFixed(1)} ${points === 1 ? 'point' : 'points'}`;
}

/** "compared with a typical customer, who has a 16 % chance". */
export function referenceText(probability: number): string {
  const pct = probability * 100;
  return `compared with a typical customer, who has a ${pct >= 10 ? Math.round(pct) : Number(pct.toFixed(1))} % chance`;
}

export function describeReference(probability: number, customers: number): Reference {
  return { probability, customers, text: referenceText(probability) };
}

/** The customer's fact for one group, in words. */
export function groupFact(schema: TableSchema, group: FeatureGroup, row: CustomerValues): string {
  const words = schema.name === 'audiobooks' ? AUDIOBOOKS_GROUPS.find((g) => g.name === group.name) : undefined;
  if (words) return words.phrase(row);
  return group.columns.map((c) => `${c} = ${genericValue(row.get(c) ?? null)}`).join(', ');
}

/** Puts one group's contribution into words; `row` holds all the customer's values. */
export function describeReason(schema: TableSchema, group: FeatureGroup, contribution: Contribution, row: CustomerValues): Reason {
  const direction: Direction = contribution.contribution < 0 ? 'lowers' : 'raises';
  const fact = groupFact(schema, group, row);
  return {
    group: group.name,
    label: group.label,
    columns: group.columns,
    values: contribution.values,
    contribution: contribution.contribution,
    points: toPoints(contribution.contribution),
    direction,
    actionable: group.actionable,
    fact,
    text: `${fact}: ${effectWords(direction, contribution.contribution)}`,
  };
}

/** The row's values by column, from its contributions. */
function rowValues(contributions: readonly Contribution[]): CustomerValues {
  return new Map(contributions.flatMap((c) => Object.entries(c.values)));
}

/**
 * The `top` groups of largest push (ties: group order), listed actionable first, each part by size;
 * the customer's leading actionable reason is always among them. Also that leading reason.
 */
export function describeReasons(
  schema: TableSchema,
  groups: readonly FeatureGroup[],
  contributions: readonly Contribution[],
  top: number,
): { reasons: Reason[]; leadingAction: Reason | null } {
  const row = rowValues(contributions);
  const bySize = contributions
    .map((c, index) => ({ c, index, group: groups[index]! }))
    .sort((a, b) => Math.abs(b.c.contribution) - Math.abs(a.c.contribution) || a.index - b.index);
  const leading = bySize.find((e) => e.group.actionable) ?? null;
  const leadingAction = leading ? describeReason(schema, leading.group, leading.c, row) : null;
  const k = Number.isFinite(top) ? Math.max(0, Math.min(Math.floor(top), contributions.length)) : 0;
  if (k === 0) return { reasons: [], leadingAction };
  let chosen = bySize.slice(0, k);
  if (leading && !chosen.includes(leading)) chosen = [leading, ...chosen.slice(0, k - 1)];
  const ordered = [...chosen.filter((e) => e.group.actionable), ...chosen.filter((e) => !e.group.actionable)];
  return {
    reasons: ordered.map((e) => (e === leading && leadingAction ? leadingAction : describeReason(schema, e.group, e.c, row))),
    leadingAction,
  };
}
