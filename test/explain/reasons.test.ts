import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { describeReasons, effectWords, groupFact, referenceText } from '../../src/explain/reasons.js';
import { resolveGroups } from '../../src/explain/groups.js';
import { formatNumber } from '../../src/core/format.js';
import type { Contribution, FeatureGroup, FeatureValue } from '../../src/explain/types.js';
import { AUDIOBOOKS_SCHEMA } from '../../src/domain/audiobooks.js';
import { SCHEMA, randomColumns } from './fixtures.js';
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

const EMPTY = { nRows: 0, numeric: new Map(), categorical: new Map() };
const GROUPS = resolveGroups(AUDIOBOOKS_SCHEMA, EMPTY);

function factOf(group: string, changes: Record<string, FeatureValue> = {}): string {
  const row = new Map(Object.entries({ ...CUSTOMER, ...changes }));
  return groupFact(AUDIOBOOKS_SCHEMA, GROUPS.find((g) => g.name === group)!, row);
}

function contributionsOf(customer: Record<string, FeatureValue>, pushes: readonly number[], groups: readonly FeatureGroup[] = GROUPS): Contribution[] {
  return groups.map((g, i) => ({ group: g.name, values: Object.fromEntries(g.columns.map((c) => [c, customer[c] ?? null])), contribution: pushes[i]! }));
}

describe('Audiobooks facts: one behaviour once', () => {
  it('groups the columns that encode one behaviour, each column in one group, actionable ones marked', () => {
    expect(GROUPS.map((g) => [g.name, g.columns, g.actionable])).toEqual([
      ['listening', ['completion', 'minutes_listened'], true],
      ['support', ['support_requests'], true],
      ['recency', ['last_visit_days'], true],
      ['bought', ['book_length_overall', 'book_length_avg', 'price_overall', 'price_avg'], false],
      ['review', ['review', 'review_score'], false],
    ]);
    const columns = GROUPS.flatMap((g) => g.columns).sort();
    expect(columns).toEqual(AUDIOBOOKS_SCHEMA.features.map((f) => f.name).sort());
  });

  it('listening: completion and minutes listened as one fact', () => {
    expect(factOf('listening', { book_length_avg: 600 })).toBe('has not listened to the book');
    expect(factOf('listening')).toBe('has not listened to their books');
    expect(factOf('listening', { completion: 0.456, minutes_listened: 547 })).toBe('listened to 46% of their books (about 9 hours)');
    expect(factOf('listening', { completion: 1, minutes_listened: 1200 })).toBe('listened to all of their books (about 20 hours)');
    expect(factOf('listening', { completion: 0.004, minutes_listened: 5 })).toBe('listened to under 1% of their books (5 minutes)');
    expect(factOf('listening', { completion: null, minutes_listened: null })).toBe('listening not known (completion, minutes_listened missing)');
  });

  it('what was bought: the length and price pairs and the number of books as one fact', () => {
    expect(factOf('bought')).toBe('bought about 2 books of about 10 hours each, $10.66 in all');
    expect(factOf('bought', { book_length_avg: 600, price_avg: 5.33 })).toBe('bought 1 book of about 10 hours, $5.33 in all');
  });

  it('reviews: the 8.91 fill means no review', () => {
    expect(factOf('review')).toBe('did not leave a review');
    expect(factOf('review', { review: null })).toBe('did not leave a review');
    expect(factOf('review', { review: 1, review_score: 10 })).toBe('left a review (score 10/10)');
    expect(factOf('review', { review: 1, review_score: 8.91 })).toBe('left a review');
  });

  it('support and recency', () => {
    expect(factOf('support')).toBe('3 support requests');
    expect(factOf('support', { support_requests: 1 })).toBe('1 support request');
    expect(factOf('support', { support_requests: 0 })).toBe('no support requests');
    expect(factOf('recency')).toBe('last visit 300 days after purchase');
    expect(factOf('recency', { last_visit_days: 0 })).toBe('last visit on the day of purchase');
  });
});

describe('reasons relative to the reference, in points', () => {
  it('names the reference and the size of each push', () => {
    expect(referenceText(0.1588)).toBe('compared with a typical customer, who has a 16 % chance');
    expect(referenceText(0.042)).toBe('compared with a typical customer, who has a 4.2 % chance');
    expect(effectWords('raises', 0.0423)).toBe('raises the chance by 4.2 points');
    expect(effectWords('lowers', -0.01)).toBe('lowers the chance by 1.0 point');
    expect(effectWords('raises', 0.0001)).toBe('makes almost no difference');
  });

  it('lists actionable facts first, each part by size, and always includes the leading actionable one', () => {
    //              listening support recency bought review
    const pushes = [0.01, -0.002, 0.03, -0.2, 0.05];
    const { reasons, leadingAction } = describeReasons(AUDIOBOOKS_SCHEMA, GROUPS, contributionsOf(CUSTOMER, pushes), 3);
    expect(reasons.map((r) => r.group)).toEqual(['recency', 'bought', 'review']);
    expect(leadingAction?.group).toBe('recency');
    expect(reasons[0]!.text).toBe('last visit 300 days after purchase: raises the chance by 3.0 points');
    expect(reasons[1]).toMatchObject({ points: -20, direction: 'lowers', actionable: false, fact: 'bought about 2 books of about 10 hours each, $10.66 in all' });
    // When the largest pushes are all fixed traits, the leading actionable fact still comes first.
    const fixed = describeReasons(AUDIOBOOKS_SCHEMA, GROUPS, contributionsOf(CUSTOMER, [0.001, 0, 0, -0.2, 0.05]), 2);
    expect(fixed.reasons.map((r) => r.group)).toEqual(['listening', 'bought']);
    expect(describeReasons(AUDIOBOOKS_SCHEMA, GROUPS, contributionsOf(CUSTOMER, pushes), 0).reasons).toEqual([]);
    expect(describeReasons(AUDIOBOOKS_SCHEMA, GROUPS, contributionsOf(CUSTOMER, pushes), 99).reasons).toHaveLength(5);
  });
});

describe('groups for any other table', () => {
  it('says "<column> = <value>" with rounded numbers', () => {
    const groups = resolveGroups(SCHEMA, randomColumns(50, 1));
    const a = groups.find((g) => g.columns.includes('a'))!;
    expect(groupFact(SCHEMA, a, new Map([['a', 3.14159]]))).toBe('a = 3.14');
    expect(groupFact(SCHEMA, a, new Map([['a', null]]))).toBe('a = missing');
    expect(formatNumber(0.012345)).toBe('0.012');
  });

  it('keeps independent columns apart and joins strongly dependent ones', () => {
    const background = randomColumns(64, 2);
    expect(resolveGroups(SCHEMA, background).map((g) => g.columns)).toEqual([['a'], ['b'], ['c'], ['d'], ['plan']]);
    const a = background.numeric.get('a') as Float64Array;
    background.numeric.set('c', Float64Array.from(a, (v, i) => 3 * v + 1 + (i % 2) * 1e-3));
    expect(resolveGroups(SCHEMA, background).map((g) => g.columns)).toEqual([['a', 'c'], ['b'], ['d'], ['plan']]);
  });

  it('takes the user’s groups and refuses unknown or repeated columns, naming them', () => {
    const background = randomColumns(64, 3);
    const given = resolveGroups(SCHEMA, background, { given: [{ name: 'ab', columns: ['b', 'a'] }] });
    expect(given.map((g) => [g.name, g.columns])).toEqual([
      ['ab', ['a', 'b']],
      ['c', ['c']],
      ['d', ['d']],
      ['plan', ['plan']],
    ]);
    expect(() => resolveGroups(SCHEMA, background, { given: [{ name: 'x', columns: ['zz'] }] })).toThrow(/--group x: the model has no feature column "zz"/);
    expect(() =>
      resolveGroups(SCHEMA, background, {
        given: [
          { name: 'x', columns: ['a'] },
          { name: 'y', columns: ['a', 'b'] },
        ],
      }),
    ).toThrow(/--group y: column a is already in group x/);
  });
});

describe.skipIf(!realDataPresent('reasons for every real customer'))('reasons for every real Audiobooks customer', () => {
  it('state each fact once, as sentences with no NaN or undefined, and the fill read as no review', () => {
    const lines = readFileSync(REAL_CSV, 'utf8').trim().split(/\r?\n/).slice(1);
    // File order: id, then the features in AUDIOBOOKS_SCHEMA order, then the target.
    const names = AUDIOBOOKS_SCHEMA.features.map((f) => f.name);
    const sentence = /^[a-z0-9$][^:]*: (raises|lowers) the chance by \d+\.\d points?$/;
    // Words that belong to one fact: a second reason using one would say the fact again.
    const topics: Record<string, RegExp> = { listening: /listen/, review: /review/, support: /support/, recency: /visit/, bought: /bought|\$/ };
    const bad: string[] = [];
    let noReview = 0;
    for (const line of lines) {
      const cells = line.split(',').slice(1, 1 + names.length).map(Number);
      const customer = Object.fromEntries(names.map((n, j) => [n, cells[j]!]));
      const { reasons } = describeReasons(AUDIOBOOKS_SCHEMA, GROUPS, contributionsOf(customer, [0.02, -0.03, 0.04, -0.05, 0.06]), GROUPS.length);
      for (const r of reasons) {
        if (!sentence.test(r.text) || /NaN|undefined|Infinity/.test(r.text)) bad.push(r.text);
        if (r.group === 'review' && r.fact === 'did not leave a review') noReview++;
      }
      for (const [topic, words] of Object.entries(topics)) {
        const saying = reasons.filter((r) => words.test(r.fact)).map((r) => r.group);
        if (saying.length !== 1 || saying[0] !== topic) bad.push(`${topic} said by ${saying.join(', ') || 'none'}: ${reasons.map((r) => r.fact).join(' | ')}`);
      }
      const columns = reasons.flatMap((r) => r.columns);
      if (new Set(columns).size !== columns.length) bad.push(`a column twice: ${columns.join(', ')}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(lines).toHaveLength(14_084);
    const reviewZero = lines.filter((l) => l.split(',')[5] === '0').length;
    expect(noReview).toBe(reviewZero);
  });
});
