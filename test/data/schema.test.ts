import { describe, expect, it } from 'vitest';
import { AUDIOBOOKS_COLUMNS, AUDIOBOOKS_HEADER, AUDIOBOOKS_SCHEMA, audiobooksColumnOf, headerlessAudiobooksColumns } from '../../src/domain/audiobooks.js';
import { inferSchema, isNumberText, looksLikeHeader, recognizeHeader, resolveRoles } from '../../src/data/schema.js';
import { normalizeHeader } from '../../src/core/schema.js';

describe('normalizeHeader', () => {
  it('lowercases and keeps only letters and digits', () => {
    expect(normalizeHeader('Review ?/10')).toBe('review10');
    expect(normalizeHeader('Last visited after Purchase date ')).toBe('lastvisitedafterpurchasedate');
    expect(normalizeHeader('Book length(mins)_overall')).toBe('booklengthminsoverall');
    expect(normalizeHeader('  ')).toBe('');
  });
});

describe('audiobooksColumnOf', () => {
  it('maps every header of the published file to its column, in order', () => {
    expect(AUDIOBOOKS_HEADER.map(audiobooksColumnOf)).toEqual([...AUDIOBOOKS_COLUMNS]);
  });

  it.each([
    ['Book length (mins)_overall', 'book_length_overall'],
    ['BookLength(mins)Overall', 'book_length_overall'],
    ['BookLength(mins)Avg', 'book_length_avg'],
    ['Book length (mins)_avg', 'book_length_avg'],
    ['Price overall', 'price_overall'],
    ['Price_avg', 'price_avg'],
    ['Review 10/10', 'review_score'],
    ['Minutes listened', 'minutes_listened'],
    ['Minutes listed', 'minutes_listened'],
    ['Support Requests', 'support_requests'],
    ['Last visited minus Purchase date', 'last_visit_days'],
    ['Target', 'target'],
    ['Customer ID', 'id'],
    ['completion', 'completion'],
  ])('%j → %s', (header, column) => {
    expect(audiobooksColumnOf(header)).toBe(column);
  });

  it('maps the canonical names to themselves (files written by rebuy read back)', () => {
    for (const column of AUDIOBOOKS_COLUMNS) expect(audiobooksColumnOf(column)).toBe(column);
  });

  it('returns null for other names', () => {
    expect(audiobooksColumnOf('plan')).toBeNull();
    expect(audiobooksColumnOf('')).toBeNull();
  });
});

describe('recognizeHeader', () => {
  it('recognizes the published header', () => {
    expect(recognizeHeader(AUDIOBOOKS_HEADER)).toEqual({ kind: 'audiobooks', columns: [...AUDIOBOOKS_COLUMNS] });
  });

  it('recognizes another spelling with Completion and minutes listened swapped', () => {
    const header = [
      'ID', 'Book length (mins)_overall', 'Book length (mins)_avg', 'Price_overall', 'Price_avg', 'Review',
      'Review 10/10', 'Minutes listened', 'Completion', 'Support Requests', 'Last visited minus Purchase date', 'Target',
    ];
    const decision = recognizeHeader(header);
    expect(decision.kind).toBe('audiobooks');
    if (decision.kind === 'audiobooks') {
      expect(decision.columns[7]).toBe('minutes_listened');
      expect(decision.columns[8]).toBe('completion');
    }
  });

  it('accepts a file without ID or target column', () => {
    const header = AUDIOBOOKS_HEADER.slice(1, -1);
    expect(recognizeHeader(header).kind).toBe('audiobooks');
  });

  it('is custom when a feature column is missing, unknown or repeated', () => {
    expect(recognizeHeader(AUDIOBOOKS_HEADER.filter((h) => h !== 'Completion')).kind).toBe('custom');
    expect(recognizeHeader([...AUDIOBOOKS_HEADER, 'plan']).kind).toBe('custom');
    expect(recognizeHeader([...AUDIOBOOKS_HEADER, 'Completion']).kind).toBe('custom');
  });

  it('is custom when --target or --id names another column', () => {
    expect(recognizeHeader(AUDIOBOOKS_HEADER, { target: 'Targets', id: 'ID' }).kind).toBe('audiobooks');
    expect(recognizeHeader(AUDIOBOOKS_HEADER, { target: 'Review' }).kind).toBe('custom');
    expect(recognizeHeader(AUDIOBOOKS_HEADER, { id: 'Price_avg' }).kind).toBe('custom');
  });
});

describe('headerlessAudiobooksColumns', () => {
  it('is the original layout for 12 columns, without target for 11, else null', () => {
    expect(headerlessAudiobooksColumns(12)).toEqual([...AUDIOBOOKS_COLUMNS]);
    expect(headerlessAudiobooksColumns(11)).toEqual(AUDIOBOOKS_COLUMNS.slice(0, 11));
    expect(headerlessAudiobooksColumns(10)).toBeNull();
  });
});

describe('looksLikeHeader', () => {
  it('is false when every non-empty field is a number', () => {
    expect(looksLikeHeader(['00994', '1620', '19.73', '-1e3', '.5', ''])).toBe(false);
  });

  it('is true as soon as one field is not a number', () => {
    expect(looksLikeHeader(['ID', '1'])).toBe(true);
    expect(looksLikeHeader(['1', 'inf'])).toBe(true);
    expect(looksLikeHeader(['1', 'nan'])).toBe(true);
  });

  it('isNumberText accepts decimal numbers only', () => {
    expect(['1', '+2.5', '-0.5e-3', ' 7 ', '3.'].every(isNumberText)).toBe(true);
    expect(['', 'x', '0x10', '1,5', 'Infinity', '1e'].some(isNumberText)).toBe(false);
  });
});

describe('resolveRoles', () => {
  it('uses the flags when given', () => {
    expect(resolveRoles(['a', 'b', 'c'], { id: 'a', target: 'c' })).toEqual({ id: 'a', target: 'c' });
  });

  it('falls back to columns named like id and target', () => {
    expect(resolveRoles(['Customer_ID', 'x', 'Targets'])).toEqual({ id: 'Customer_ID', target: 'Targets' });
    expect(resolveRoles(['x', 'y'])).toEqual({ id: null, target: null });
  });
});

describe('inferSchema', () => {
  it('makes every non-ID, non-target column a feature of the profiled kind', () => {
    const schema = inferSchema(
      [
        { name: 'customer', numeric: false },
        { name: 'plan', numeric: false },
        { name: 'spend', numeric: true },
        { name: 'churned', numeric: true },
      ],
      { id: 'customer', target: 'churned' },
    );
    expect(schema).toEqual({
      name: 'custom',
      id: 'customer',
      target: 'churned',
      features: [
        { name: 'plan', kind: 'categorical' },
        { name: 'spend', kind: 'numeric' },
      ],
    });
  });

  it('rejects a flag naming no column', () => {
    expect(() => inferSchema([{ name: 'a', numeric: true }], { target: 'b' })).toThrow(/"b"/);
  });

  it('keeps the built-in schema: ten numeric features', () => {
    expect(AUDIOBOOKS_SCHEMA.features).toHaveLength(10);
    expect(AUDIOBOOKS_SCHEMA.features.every((f) => f.kind === 'numeric')).toBe(true);
  });
});
