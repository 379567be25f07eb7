import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { describeReason, describeReasons } from '../../src/explain/reasons.js';
import { formatNumber } from '../../src/core/format.js';
import type { Contribution, FeatureValue } from '../../src/explain/types.js';
import { AUDIOBOOKS_SCHEMA } from '../../src/domain/audiobooks.js';
import { SCHEMA } from './fixtures.js';
import { REAL_CSV, realDataPresent } from '../helpers/paths.js';

/** A typical customer: two books of 10 hours, $5.33 each, no review. */
const CUSTOMER: Record<string, FeatureValue> = {
  book_length_overall: 600,
  book_length_avg: 1200,
  price_overall: 5.33,
  price_avg: 10.66,
  review: 0,
  review_score: 8.91,
  completion: 0,
  minutes_listened: 0,
  support_requests: 3,
  last_visit_days: 300,
};

function textOf(feature: string, contribution: number, changes: Record<string, FeatureValue> = {}): string {
  const customer = { ...CUSTOMER, ...changes };
  const row = new Map(Object.entries(customer));
  return describeReason(AUDIOBOOKS_SCHEMA, { feature, value: customer[feature]!, contribution }, row).text;
}

describe('Audiobooks reasons in words', () => {
  it('behaviours', () => {
    expect(textOf('completion', -0.1, { book_length_avg: 600 })).toBe('listened to none of the book: lowers the chance');
    expect(textOf('completion', -0.1)).toBe('listened to none of their books: lowers the chance');
    expect(textOf('completion', 0.1, { completion: 0.456 })).toBe('listened to 46% of their books: raises the chance');
    expect(textOf('completion', 0.1, { completion: 1 })).toBe('listened to all of their books: raises the chance');
    expect(textOf('completion', 0.1, { completion: 0.004 })).toBe('listened to under 1% of their books: raises the chance');
    expect(textOf('support_requests', 0.05)).toBe('3 support requests: raises the chance');
    expect(textOf('support_requests', 0.05, { support_requests: 1 })).toBe('1 support request: raises the chance');
    expect(textOf('support_requests', -0.05, { support_requests: 0 })).toBe('no support requests: lowers the chance');
    expect(textOf('last_visit_days', -0.2)).toBe('last visit 300 days after purchase: lowers the chance');
    expect(textOf('last_visit_days', -0.2, { last_visit_days: 0 })).toBe('last visit on the day of purchase: lowers the chance');
    expect(textOf('minutes_listened', -0.01)).toBe('has not listened at all: lowers the chance');
    expect(textOf('minutes_listened', 0.01, { minutes_listened: 45.4 })).toBe('listened for 45 minutes: raises the chance');
    expect(textOf('minutes_listened', 0.01, { minutes_listened: 330 })).toBe('listened for about 6 hours: raises the chance');
  });

  it('reviews: the 8.91 fill means no review', () => {
    expect(textOf('review_score', -0.01)).toBe('did not leave a review: lowers the chance');
    expect(textOf('review_score', -0.01, { review: null })).toBe('did not leave a review: lowers the chance');
    expect(textOf('review', -0.01)).toBe('did not leave a review: lowers the chance');
    expect(textOf('review', 0.02, { review: 1, review_score: 10 })).toBe('left a review (score 10/10): raises the chance');
    expect(textOf('review_score', 0.02, { review: 1, review_score: 10 })).toBe('left a review (score 10/10): raises the chance');
    expect(textOf('review_score', -0.02, { review: 1, review_score: 4 })).toBe('left a review (score 4/10): lowers the chance');
  });

  it('fixed traits, reading the swapped _overall/_avg headers', () => {
    expect(textOf('book_length_avg', 0.03)).toBe('bought about 2 books: raises the chance');
    expect(textOf('book_length_avg', 0.03, { book_length_avg: 600 })).toBe('bought 1 book: raises the chance');
    expect(textOf('book_length_overall', -0.03)).toBe('books of about 10 hours on average: lowers the chance');
    expect(textOf('book_length_overall', -0.03, { book_length_avg: 600 })).toBe('a book of about 10 hours: lowers the chance');
    expect(textOf('price_overall', -0.03)).toBe('paid $5.33 on average: lowers the chance');
    expect(textOf('price_avg', 0.03)).toBe('paid $10.66 in all: raises the chance');
  });

  it('labels and actionable: behaviours marketing can act on vs fixed traits', () => {
    const row = new Map(Object.entries(CUSTOMER));
    const reason = (feature: string) => describeReason(AUDIOBOOKS_SCHEMA, { feature, value: CUSTOMER[feature]!, contribution: 0.1 }, row);
    for (const f of ['support_requests', 'completion', 'minutes_listened', 'last_visit_days', 'review', 'review_score']) {
      expect(reason(f).actionable).toBe(true);
    }
    for (const f of ['price_overall', 'price_avg', 'book_length_overall', 'book_length_avg']) expect(reason(f).actionable).toBe(false);
    expect(reason('support_requests').label).toBe('support requests');
    expect(new Set(AUDIOBOOKS_SCHEMA.features.map((f) => reason(f.name).label)).size).toBe(AUDIOBOOKS_SCHEMA.features.length);
  });

  it('a missing value', () => {
    expect(textOf('completion', -0.1, { completion: null })).toBe('share of the book listened to not known: lowers the chance');
  });
});

describe('reasons for any other schema', () => {
  const row = new Map<string, FeatureValue>();
  it('says "<column> = <value>" with rounded numbers', () => {
    const text = (value: FeatureValue, contribution: number) => describeReason(SCHEMA, { feature: 'a', value, contribution }, row).text;
    expect(text(3, 0.2)).toBe('a = 3: raises the chance');
    expect(text(3.14159, -0.2)).toBe('a = 3.14: lowers the chance');
    expect(text(null, -0.2)).toBe('a = missing: lowers the chance');
    expect(describeReason(SCHEMA, { feature: 'plan', value: 'gold', contribution: 0 }, row)).toEqual({
      feature: 'plan',
      label: 'plan',
      value: 'gold',
      contribution: 0,
      direction: 'raises',
      actionable: false,
      text: 'plan = gold: makes no difference',
    });
  });

  it('formats numbers sensibly', () => {
    expect(formatNumber(1234.567)).toBe('1235');
    expect(formatNumber(12.3456)).toBe('12.35');
    expect(formatNumber(0.012345)).toBe('0.012');
    expect(formatNumber(-0.5)).toBe('-0.5');
    expect(formatNumber(7)).toBe('7');
  });
});

describe('describeReasons', () => {
  const contributions: Contribution[] = [
    { feature: 'a', value: 1, contribution: 0.01 },
    { feature: 'b', value: 2, contribution: -0.3 },
    { feature: 'c', value: 3, contribution: 0.2 },
    { feature: 'd', value: 4, contribution: -0.2 },
  ];
  it('picks the top contributions by magnitude, ties in schema order', () => {
    expect(describeReasons(SCHEMA, contributions, 3).map((r) => [r.feature, r.direction])).toEqual([
      ['b', 'lowers'],
      ['c', 'raises'],
      ['d', 'lowers'],
    ]);
    expect(describeReasons(SCHEMA, contributions, 0)).toEqual([]);
    expect(describeReasons(SCHEMA, contributions, 99)).toHaveLength(4);
    expect(describeReasons(SCHEMA, contributions, Number.NaN)).toEqual([]);
  });
});

describe.skipIf(!realDataPresent('reasons for every real customer'))('reasons for every real Audiobooks customer', () => {
  it('read as sentences, with no NaN or undefined, and the fill read as no review', () => {
    const lines = readFileSync(REAL_CSV, 'utf8').trim().split(/\r?\n/).slice(1);
    // File order: id, then the features in AUDIOBOOKS_SCHEMA order, then the target.
    const names = AUDIOBOOKS_SCHEMA.features.map((f) => f.name);
    const sentence = /^[a-z0-9$][^:]*: (raises|lowers) the chance$/;
    const bad: string[] = [];
    let noReview = 0;
    for (const line of lines) {
      const cells = line.split(',').slice(1, 1 + names.length).map(Number);
      const contributions = names.map((feature, j) => ({ feature, value: cells[j]!, contribution: j % 2 ? 0.01 : -0.01 }));
      for (const r of describeReasons(AUDIOBOOKS_SCHEMA, contributions, names.length)) {
        if (!sentence.test(r.text) || /NaN|undefined|Infinity/.test(r.text)) bad.push(r.text);
        if (r.feature === 'review_score' && r.text.startsWith('did not leave a review')) noReview++;
      }
    }
    expect(bad).toEqual([]);
    expect(lines).toHaveLength(14_084);
    // Every customer with Review = 0 (most have the 8.91 fill; a few carry a score anyway).
    const reviewZero = lines.filter((l) => l.split(',')[5] === '0').length;
    expect(noReview).toBe(reviewZero);
  });
});
