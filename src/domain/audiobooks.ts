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

export interface FeatureWords {
  label: string;
  actionable: boolean;
  /** The customer's value in words, e.g. "listened to none of the book". */
  phrase(value: number, row: CustomerValues): string;
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

export const AUDIOBOOKS_WORDS: Record<string, FeatureWords> = {
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

