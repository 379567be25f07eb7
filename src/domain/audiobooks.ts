/**
 * The built-in Audiobooks table: its columns, the header spellings found in public copies, the
 * course's header-less layout, its derived features, the reasons' phrases and an example customer.
 *
 * Audiobooks quirks: the _overall/_avg headers are swapped (book_length_overall is the minutes per
 * book, book_length_avg the minutes of all books; likewise price), so their ratio is the number of
 * books; a review score of 8.91 is the course's fill for "no review".
 */
import { formatNumber } from '../core/format.js';
import { normalizeHeader, type DerivedFeature, type TableSchema } from '../core/schema.js';

/** Canonical Audiobooks column names, in the course's original file order. */
export const AUDIOBOOKS_COLUMNS = [
  'id',
  'book_length_overall',
  'book_length_avg',
  'price_overall',
  'price_avg',
  'review',
  'review_score',
  'completion',
  'minutes_listened',
  'support_requests',
  'last_visit_days',
  'target',
] as const;

export type AudiobooksColumn = (typeof AUDIOBOOKS_COLUMNS)[number];

export const AUDIOBOOKS_SCHEMA: TableSchema = {
  name: 'audiobooks',
  id: 'id',
  target: 'target',
  features: AUDIOBOOKS_COLUMNS.filter((c) => c !== 'id' && c !== 'target').map((name) => ({
    name,
    kind: 'numeric' as const,
  })),
};

/** The fill value the course used for a missing review score. */
export const AUDIOBOOKS_REVIEW_FILL = 8.91;

/** The header row of the published `audiobooks.csv`, in file order (note the trailing space). */
export const AUDIOBOOKS_HEADER: readonly string[] = [
  'ID',
  'Book length(mins)_overall',
  'Book length(mins)_avg',
  'Price_overall',
  'Price_avg',
  'Review',
  'Review ?/10',
  'Completion',
  'Listened(mins)',
  'Support request',
  'Last visited after Purchase date ',
  'Targets',
];

/** Known spellings of each Audiobooks column, normalized. */
const AUDIOBOOKS_ALIASES: Record<AudiobooksColumn, readonly string[]> = {
  id: ['id', 'customerid', 'custid', 'userid'],
  book_length_overall: ['booklengthminsoverall', 'booklengthoverall', 'booklengthminutesoverall'],
  book_length_avg: ['booklengthminsavg', 'booklengthavg', 'booklengthminsaverage', 'booklengthminutesavg'],
  price_overall: ['priceoverall', 'pricepaidoverall'],
  price_avg: ['priceavg', 'priceaverage', 'pricepaidavg'],
  review: ['review', 'reviewed', 'isreview', 'leftreview'],
  review_score: ['reviewscore', 'review10', 'review1010', 'reviewoutof10', 'reviewrating'],
  completion: ['completion', 'completionrate'],
  minutes_listened: ['minuteslistened', 'listenedmins', 'listenedminutes', 'totalminuteslistened', 'minuteslisted'],
  support_requests: ['supportrequests', 'supportrequest', 'supportrequested'],
  last_visit_days: [
    'lastvisitdays',
    'lastvisitedafterpurchasedate',
    'lastvisitedminuspurchasedate',
    'lastvisitminuspurchasedate',
    'dayssincepurchase',
  ],
  target: ['target', 'targets'],
};

const ALIAS_TO_COLUMN: ReadonlyMap<string, AudiobooksColumn> = new Map(
  AUDIOBOOKS_COLUMNS.flatMap((col) => AUDIOBOOKS_ALIASES[col].map((alias) => [alias, col] as const)),
);

/** The Audiobooks column a header names, or null. */
export function audiobooksColumnOf(header: string): AudiobooksColumn | null {
  return ALIAS_TO_COLUMN.get(normalizeHeader(header)) ?? null;
}

/** The Audiobooks columns of a header-less file with this many columns (the course's layout), or null. */
export function headerlessAudiobooksColumns(nColumns: number): AudiobooksColumn[] | null {
  if (nColumns === AUDIOBOOKS_COLUMNS.length) return [...AUDIOBOOKS_COLUMNS];
  if (nColumns === AUDIOBOOKS_COLUMNS.length - 1) return AUDIOBOOKS_COLUMNS.slice(0, -1);
  return null;
}

/** An Audiobooks customer (the first row of the course's file): the docs' example, and the tests'. */
export const EXAMPLE_CUSTOMER = {
  id: '994',
  book_length_overall: 1620,
  book_length_avg: 1620,
  price_overall: 19.73,
  price_avg: 19.73,
  review: 1,
  review_score: 10,
  completion: 0.99,
  minutes_listened: 1603.8,
  support_requests: 5,
  last_visit_days: 92,
} as const;

const AUDIOBOOKS_LONG_TAILED = [
  'minutes_listened',
  'last_visit_days',
  'price_overall',
  'price_avg',
  'book_length_overall',
  'book_length_avg',
  'support_requests',
];

/**
 * Derived features: the number of books bought (the _avg column holds the total, see
 * the data README), whether the customer listened at all, whether the review score is real rather
 * than the course's fill value, and log1p of the long-tailed columns.
 */
export const AUDIOBOOKS_DERIVED: readonly DerivedFeature[] = [
  { name: 'books_bought', op: 'ratio', inputs: ['book_length_avg', 'book_length_overall'] },
  { name: 'listened_any', op: 'positive', inputs: ['minutes_listened'] },
  { name: 'review_given', op: 'differs', inputs: ['review_score'], value: AUDIOBOOKS_REVIEW_FILL },
  ...AUDIOBOOKS_LONG_TAILED.map((column): DerivedFeature => ({ name: `log_${column}`, op: 'log1p', inputs: [column] })),
];

/** The customer's values by feature name (what a phrase may look at besides its own value). */
export type CustomerValues = ReadonlyMap<string, number | string | null>;

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

/**
 * The Audiobooks columns as facts a marketer reads: each behaviour once. The length and price pairs
 * also encode the number of books (avg/overall), so what was bought is one fact; actionable marks what
 * marketing can influence (listening, support, recency) against fixed traits.
 */
export interface AudiobooksGroup {
  name: string;
  label: string;
  columns: AudiobooksColumn[];
  actionable: boolean;
  /** The customer's fact, e.g. "listened to none of the book". */
  phrase(row: CustomerValues): string;
}

function missingIn(row: CustomerValues, columns: readonly string[]): string[] {
  return columns.filter((c) => numberAt(row, c) === null);
}

function notKnown(label: string, missing: readonly string[]): string {
  return `${label} not known (${missing.join(', ')} missing)`;
}

function boughtPhrase(row: CustomerValues): string {
  const perBook = numberAt(row, 'book_length_overall');
  const total = numberAt(row, 'price_avg');
  const books = booksBought(row);
  const parts: string[] = [];
  if (books === null) parts.push(perBook === null ? 'bought audiobooks' : `bought books of ${duration(perBook)}`);
  else {
    const whole = Math.max(1, Math.round(books));
    const one = whole === 1 && Math.abs(books - 1) < 0.05;
    parts.push(one ? `bought 1 book of ${duration(perBook!)}` : `bought about ${plural(whole, 'book', 'books')} of ${duration(perBook!)} each`);
  }
  if (total !== null) parts.push(`${money(total)} in all`);
  return parts.join(', ');
}

function listeningPhrase(row: CustomerValues): string {
  const completion = numberAt(row, 'completion');
  const minutes = numberAt(row, 'minutes_listened');
  const what = theBooks(row);
  if (minutes !== null && minutes <= 0) return `has not listened to ${what}`;
  if (completion === null && minutes === null) return notKnown('listening', ['completion', 'minutes_listened']);
  const share =
    completion === null ? null : completion <= 0 ? 'none' : completion >= 0.995 ? 'all' : completion < 0.01 ? 'under 1%' : `${Math.round(completion * 100)}%`;
  if (share === 'none') return `has not listened to ${what}`;
  const time = minutes === null ? '' : ` (${duration(minutes)})`;
  return share === null ? `listened for ${duration(minutes!)}` : `listened to ${share} of ${what}${time}`;
}

function reviewPhrase(row: CustomerValues): string {
  const review = numberAt(row, 'review');
  const score = numberAt(row, 'review_score');
  if (review === 0) return 'did not leave a review';
  if (review === null && (score === null || isReviewFill(score))) return score === null ? notKnown('review', ['review', 'review_score']) : 'did not leave a review';
  return score === null || isReviewFill(score) ? 'left a review' : `left a review (score ${reviewScore(score)})`;
}

export const AUDIOBOOKS_GROUPS: readonly AudiobooksGroup[] = [
  { name: 'listening', label: 'listening', columns: ['completion', 'minutes_listened'], actionable: true, phrase: listeningPhrase },
  {
    name: 'support',
    label: 'support requests',
    columns: ['support_requests'],
    actionable: true,
    phrase: (row) => {
      const v = numberAt(row, 'support_requests');
      if (v === null) return notKnown('support requests', ['support_requests']);
      return v === 0 ? 'no support requests' : plural(Math.round(v), 'support request', 'support requests');
    },
  },
  {
    name: 'recency',
    label: 'last visit',
    columns: ['last_visit_days'],
    actionable: true,
    phrase: (row) => {
      const v = numberAt(row, 'last_visit_days');
      if (v === null) return notKnown('last visit', ['last_visit_days']);
      const days = Math.round(v);
      return days === 0 ? 'last visit on the day of purchase' : `last visit ${plural(days, 'day', 'days')} after purchase`;
    },
  },
  {
    name: 'bought',
    label: 'what was bought',
    columns: ['book_length_overall', 'book_length_avg', 'price_overall', 'price_avg'],
    actionable: false,
    phrase: (row) => {
      const missing = missingIn(row, ['book_length_overall', 'book_length_avg', 'price_overall', 'price_avg']);
      return missing.length === 4 ? notKnown('what was bought', missing) : boughtPhrase(row);
    },
  },
  { name: 'review', label: 'review', columns: ['review', 'review_score'], actionable: false, phrase: reviewPhrase },
];

/**
 * What the dependence charts plot per fact (its main value) and how a chart's colour reads at either
 * end ("long books" against "short ones"), so an interaction can be said in words.
 */
export const AUDIOBOOKS_MAIN_VALUES: Record<string, { label: string; value(row: CustomerValues): number | null; phrase?(value: number): string }> = {
  listening: { label: 'share of the book listened to', value: (row) => numberAt(row, 'completion') },
  support: { label: 'support requests', value: (row) => numberAt(row, 'support_requests') },
  recency: { label: 'days from purchase to last visit', value: (row) => numberAt(row, 'last_visit_days') },
  bought: {
    label: 'books bought',
    value: (row) => {
      const books = booksBought(row);
      return books === null ? null : Math.max(1, Math.round(books));
    },
    phrase: (books) => `bought ${plural(books, 'book', 'books')}`,
  },
  review: {
    label: 'review score (0 = no review)',
    value: (row) => {
      const review = numberAt(row, 'review');
      const score = numberAt(row, 'review_score');
      if (review === 0 || (score !== null && isReviewFill(score))) return 0;
      return score;
    },
  },
};

export const AUDIOBOOKS_COLUMN_ENDS: Record<string, { high: string; low: string }> = {
  book_length_overall: { high: 'long books', low: 'short ones' },
  book_length_avg: { high: 'customers who bought more hours', low: 'those who bought fewer' },
  price_overall: { high: 'dear books', low: 'cheap ones' },
  price_avg: { high: 'customers who paid more in all', low: 'those who paid less' },
  completion: { high: 'customers who listened to more of the book', low: 'those who listened to less' },
  minutes_listened: { high: 'customers who listened longer', low: 'those who listened less' },
  support_requests: { high: 'customers with more support requests', low: 'those with fewer' },
  last_visit_days: { high: 'customers who came back later', low: 'those who came back sooner' },
  review: { high: 'customers who left a review', low: 'those who did not' },
  review_score: { high: 'higher review scores', low: 'lower ones' },
};
