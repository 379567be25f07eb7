/**
 * Contributions in plain words. The Audiobooks schema gets sentences marketing can read ("3 support
 * requests: raises the chance"); any other schema gets "<column> = <value>: raises the chance".
 *
 * Audiobooks quirks: the _overall/_avg headers are swapped (book_length_overall is the minutes per
 * book, book_length_avg the minutes of all books; likewise price), so their ratio is the number of
 * books; a review score of 8.91 is the course's fill for "no review".
 */
import { AUDIOBOOKS_REVIEW_FILL, type TableSchema } from '../data/schema.js';
import type { Contribution, Direction, FeatureValue, Reason } from './types.js';

/** The customer's values by feature name (what a phrase may look at besides its own value). */
export type CustomerValues = ReadonlyMap<string, FeatureValue>;

interface FeatureWords {
  label: string;
  actionable: boolean;
  /** The customer's value in words, e.g. "listened to none of the book". */
  phrase(value: number, row: CustomerValues): string;
}

/** A number rounded for reading: whole numbers as they are, otherwise 2 significant decimals at most. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 1 ? 2 : Math.min(6, 1 - Math.floor(Math.log10(abs)));
  return String(Number(v.toFixed(digits)));
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function money(v: number): string {
  return `$${v.toFixed(2)}`;
}

/** Minutes as "45 minutes" or, from two hours on, "about 5 hours". */
function duration(minutes: number): string {
  if (minutes < 120) return plural(Math.round(minutes), 'minute', 'minutes');
  return `about ${plural(Math.round(minutes / 60), 'hour', 'hours')}`;
}

function numberAt(row: CustomerValues, feature: string): number | null {
  const v = row.get(feature);
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Books bought: minutes of all books (book_length_avg) over minutes per book (book_length_overall). */
function booksBought(row: CustomerValues): number | null {
  const all = numberAt(row, 'book_length_avg');
  const perBook = numberAt(row, 'book_length_overall');
  if (all === null || perBook === null || perBook <= 0) return null;
  return all / perBook;
}

function theBooks(row: CustomerValues): string {
  const books = booksBought(row);
  return books !== null && Math.round(books) > 1 ? 'their books' : 'the book';
}

function isReviewFill(score: number): boolean {
  return Math.abs(score - AUDIOBOOKS_REVIEW_FILL) < 0.005;
}

function reviewScore(score: number): string {
  return `${formatNumber(Math.round(score * 10) / 10)}/10`;
}

const AUDIOBOOKS_WORDS: Record<string, FeatureWords> = {
  book_length_overall: {
    label: 'minutes per book',
    actionable: false,
    phrase: (v, row) => {
      const books = booksBought(row);
      return books !== null && Math.round(books) <= 1 ? `a book of ${duration(v)}` : `books of ${duration(v)} on average`;
    },
  },
  book_length_avg: {
    label: 'books bought',
    actionable: false,
    phrase: (v, row) => {
      const books = booksBought(row);
      if (books === null) return `bought ${duration(v)} of audiobooks`;
      const whole = Math.max(1, Math.round(books));
      return whole === 1 && Math.abs(books - 1) < 0.05 ? 'bought 1 book' : `bought about ${plural(whole, 'book', 'books')}`;
    },
  },
  price_overall: {
    label: 'price per book',
    actionable: false,
    phrase: (v) => `paid ${money(v)} on average`,
  },
  price_avg: {
    label: 'total paid',
    actionable: false,
    phrase: (v) => `paid ${money(v)} in all`,
  },
  review: {
    label: 'left a review',
    actionable: true,
    phrase: (v, row) => {
      if (v === 0) return 'did not leave a review';
      const score = numberAt(row, 'review_score');
      return score === null || isReviewFill(score) ? 'left a review' : `left a review (score ${reviewScore(score)})`;
    },
  },
  review_score: {
    label: 'review score',
    actionable: true,
    phrase: (v, row) => {
      const review = numberAt(row, 'review');
      if (review === 0 || (review !== 1 && isReviewFill(v))) return 'did not leave a review';
      return `left a review (score ${reviewScore(v)})`;
    },
  },
  completion: {
    label: 'share of the book listened to',
    actionable: true,
    phrase: (v, row) => {
      const what = theBooks(row);
      if (v <= 0) return `listened to none of ${what}`;
      if (v >= 0.995) return `listened to all of ${what}`;
      if (v < 0.01) return `listened to under 1% of ${what}`;
      return `listened to ${Math.round(v * 100)}% of ${what}`;
    },
  },
  minutes_listened: {
    label: 'minutes listened',
    actionable: true,
    phrase: (v) => (v <= 0 ? 'has not listened at all' : `listened for ${duration(v)}`),
  },
  support_requests: {
    label: 'support requests',
    actionable: true,
    phrase: (v) => (v === 0 ? 'no support requests' : plural(Math.round(v), 'support request', 'support requests')),
  },
  last_visit_days: {
    label: 'days from purchase to last visit',
    actionable: true,
    phrase: (v) => {
      const days = Math.round(v);
      return days === 0 ? 'last visit on the day of purchase' : `last visit ${plural(days, 'day', 'days')} after purchase`;
    },
  },
};

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
