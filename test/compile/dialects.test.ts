/**
 * The warehouse dialects no test can run (Trino, BigQuery, Snowflake): each statement parsed by a
 * real parser for that dialect (node-sql-parser), and its parse tree checked: the stages in order,
 * the four output columns, float64 casts in the dialect's own type names, every exponential clamped,
 * no division of two literals (Trino divides integers as integers), and only functions the dialect has.
 */
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { DIALECTS, type DialectName } from '../../src/compile/dialect.js';
import { compilePipelineSql, type ScoringPipeline } from '../../src/compile/pipeline-sql.js';
import { createRng } from '../../src/core/random.js';
import type { DenseLayer } from '../../src/model/network.js';
import { inputWidth, type FeatureState } from '../../src/prep/features.js';

// node-sql-parser ships CommonJS with a default-less export.
const { Parser } = createRequire(import.meta.url)('node-sql-parser') as typeof import('node-sql-parser');

const FEATURES: FeatureState = {
  numeric: [
    { name: 'tenure days', mean: 120.5, std: 40.25, fill: 120.5, flagMissing: true },
    { name: 'spend', mean: -3.5, std: 2, fill: -3.5, flagMissing: false },
    { name: 'spend_per_tenure', mean: 0.1, std: 0.3, fill: 0.1, flagMissing: true },
    { name: 'log_tenure', mean: 4.2, std: 1.1, fill: 4.2, flagMissing: false },
    { name: 'has_spend', mean: 0.6, std: 0.49, fill: 0.6, flagMissing: false },
    { name: 'spend_changed', mean: 0.3, std: 0.46, fill: 0.3, flagMissing: false },
  ],
  categorical: [{ name: 'plan', levels: ['basic', "o'k", 'back\\slash'] }],
  derived: [
    { name: 'spend_per_tenure', op: 'ratio', inputs: ['spend', 'tenure days'] },
    { name: 'log_tenure', op: 'log1p', inputs: ['tenure days'] },
    { name: 'has_spend', op: 'positive', inputs: ['spend'] },
    { name: 'spend_changed', op: 'differs', inputs: ['spend'], value: -3.5 },
  ],
};

function pipeline(output: 'softmax' | 'sigmoid'): ScoringPipeline {
  const rng = createRng(5);
  const sizes = [inputWidth(FEATURES), 4, 3, 2];
  const layers: DenseLayer[] = sizes.slice(1).map((units, k) => ({
    inputs: sizes[k]!,
    units,
    kernel: Float32Array.from({ length: sizes[k]! * units }, () => rng() - 0.5),
    bias: Float32Array.from({ length: units }, () => rng() - 0.5),
    activation: k === sizes.length - 2 ? output : 'tanh',
  }));
  return { features: FEATURES, weights: { layers }, calibration: { slope: 0.9, intercept: 0.1 }, threshold: 0.5, idColumn: 'customer id', about: ['model parse-test'] };
}

type Node = Record<string, unknown>;

function walk(node: unknown, visit: (n: Node) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => walk(n, visit));
  if (typeof node !== 'object' || node === null) return;
  visit(node as Node);
  for (const value of Object.values(node)) walk(value, visit);
}

function functionName(n: Node): string | null {
  if (n.type === 'window_func') return String(n.name).toUpperCase();
  if (n.type !== 'function') return null;
  const name = n.name as { name?: { value: string }[]; schema?: { value: string } };
  const parts = (name.name ?? []).map((p) => p.value);
  return (parts.length > 0 ? parts.join('.') : (name.schema?.value ?? '')).toUpperCase();
}

const isLiteral = (n: unknown) => typeof n === 'object' && n !== null && ['number', 'unary_expr'].includes(String((n as Node).type)) && JSON.stringify(n).match(/"type":"(column_ref|function|cast|double_quote_string)"/) === null;

const PARSERS: Record<'trino' | 'bigquery' | 'snowflake', string> = { trino: 'trino', bigquery: 'bigquery', snowflake: 'snowflake' };
const SHARED_FUNCTIONS = ['COALESCE', 'GREATEST', 'LEAST', 'EXP', 'LN', 'TANH', 'ABS', 'ROW_NUMBER'];
const FUNCTIONS: Record<keyof typeof PARSERS, string[]> = {
  trino: [...SHARED_FUNCTIONS, 'IS_NAN'],
  bigquery: [...SHARED_FUNCTIONS, 'IS_NAN'],
  snowflake: [...SHARED_FUNCTIONS, 'NULLIF'],
};

for (const name of Object.keys(PARSERS) as (keyof typeof PARSERS & DialectName)[]) {
  describe(`the ${name} text, parsed as ${name}`, () => {
    const dialect = DIALECTS[name];
    for (const output of ['softmax', 'sigmoid'] as const) {
      it(`${output} output: stages, columns, types, clamps, divisions, functions`, () => {
        const sql = compilePipelineSql(pipeline(output), dialect, { table: 'sales.customers' }, { rank: true });
        const ast = new Parser().astify(sql, { database: PARSERS[name] });
        const statement = (Array.isArray(ast) ? ast : [ast]) as unknown as Node[];
        expect(statement).toHaveLength(1);
        const select = statement[0]!;
        expect(select.type).toBe('select');

        const stages = (select.with as { name: { value: string } }[]).map((w) => w.name.value);
        expect(stages).toEqual(['raw', 'derived', 'encoded', 'scaled', 'layer_1', 'layer_2', 'output', 'calibrated']);
        const outputs = (select.columns as Node[]).map((c) => {
          const as = c.as as string | { value: string } | null;
          if (as !== null && as !== undefined) return typeof as === 'string' ? as : as.value;
          return JSON.stringify(c.expr).match(/"value":"(\w+)"|"column":"(\w+)"/)!.slice(1).find(Boolean);
        });
        // Snowflake upper-cases unquoted names: rank is quoted upper-case, so all four read ID, PROBABILITY, LABEL, RANK there.
        expect(outputs).toEqual(['id', 'probability', 'label', name === 'snowflake' ? 'RANK' : 'rank']);
        if (name === 'snowflake') expect(sql).toMatch(/^SELECT id, probability, CASE .* AS label, ROW_NUMBER\(\) .* AS "RANK"$/m);

        const casts = new Set<string>();
        const functions = new Set<string>();
        const exps: Node[] = [];
        const divisions: Node[] = [];
        walk(select, (n) => {
          if (n.type === 'cast') casts.add(String((n.target as { dataType: string }[])[0]!.dataType).toUpperCase());
          const fn = functionName(n);
          if (fn !== null) functions.add(fn);
          if (fn === 'EXP') exps.push(n);
          if (n.type === 'binary_expr' && n.operator === '/') divisions.push(n);
        });
        expect([...casts].sort()).toEqual([dialect.double, dialect.text].sort());
        expect([...functions].filter((f) => !FUNCTIONS[name].includes(f))).toEqual([]);
        expect(functions.has(name === 'snowflake' ? 'NULLIF' : 'IS_NAN')).toBe(true);

        expect(exps.length).toBeGreaterThan(0);
        for (const exp of exps) {
          const argument = (exp.args as { value: Node[] }).value[0]!;
          expect(argument.type).toBe('unary_expr');
          const least = argument.expr as Node;
          expect(functionName(least)).toBe('LEAST');
          const [greatest, high] = (least.args as { value: Node[] }).value;
          expect(functionName(greatest!)).toBe('GREATEST');
          expect(high).toMatchObject({ type: 'number', value: 700 });
          expect((greatest!.args as { value: Node[] }).value[1]).toMatchObject({ type: 'number', value: -700 });
        }
        expect(divisions.length).toBeGreaterThan(0);
        for (const division of divisions) expect(isLiteral(division.left) && isLiteral(division.right)).toBe(false);
      });
    }

    it('quotes a level with a quote and a backslash so that the parser reads it as one string', () => {
      const sql = compilePipelineSql(pipeline('softmax'), dialect, { table: 'customers' });
      const strings: string[] = [];
      walk(new Parser().astify(sql, { database: PARSERS[name] }), (n) => {
        if (n.type === 'single_quote_string') strings.push(String(n.value));
      });
      // The parser keeps each literal's escapes as written: the dialect's own quoting of the levels.
      expect(strings).toContain(dialect.quoteText("o'k").slice(1, -1));
      expect(strings).toContain(dialect.quoteText('back\\slash').slice(1, -1));
    });
  });
}

describe('a dialect that quotes differently is not parsed as another', () => {
  it("BigQuery's backtick names are not Trino's", () => {
    const sql = compilePipelineSql(pipeline('softmax'), DIALECTS.bigquery, { table: 'customers' });
    expect(() => new Parser().astify(sql, { database: 'trino' })).toThrow();
  });
});
