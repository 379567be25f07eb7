/**
 * An uplift bundle's pipeline as one SQL statement: raw customer columns in; per customer the
 * probability of buying if not contacted, per treatment the probability if contacted with it and the
 * uplift, the best treatment, whom the contact would put off, and with money settings whom to send
 * what and the expected incremental profit: the columns `rebuy score` writes for an uplift bundle.
 * It computes what model/onnx-build.ts buildUpliftOnnxModel puts in the ONNX graph:
 *
 *   raw → derived → encoded → scaled (pipeline-sql.ts) → each network head's stages, passing the
 *   model input and the finished heads' values along → linear heads → treated (P0 + Σ c·head + k,
 *   clipped to [0, 1]) → effects (uplift = treated − P0; the best one) → the score columns
 *
 * Heads are carried row by row through one chain of stages rather than joined on the id, which need
 * not be unique.
 */
import { inputWidth, type FeatureState } from '../prep/features.js';
import { checkMoney, upliftScoreColumns, type UpliftMoney } from '../evaluate/uplift-decide.js';
import type { UpliftGraph } from '../model/onnx-build.js';
import { internalError } from '../errors.js';
import type { SqlDialect } from './dialect.js';
import { assembleStatement, float32, float64, headerLines, inputStages, modelInputNames, modelStages, weightedSum, type RowSource } from './pipeline-sql.js';

/** Everything the uplift statement is compiled from. */
export interface UpliftPipeline {
  features: FeatureState;
  /** The heads and how they combine, as read back from the bundle's model.onnx. */
  graph: UpliftGraph;
  /** The treatment values, in the order of the graph's outputs. */
  treatments: readonly string[];
  idColumn: string;
  /** Lines for the header comment: model, version, hash. */
  about: string[];
}

export interface UpliftSqlOptions {
  /** With money settings: `send` and `expected_incremental_profit` too. */
  money?: UpliftMoney;
}

export function compileUpliftSql(pipeline: UpliftPipeline, dialect: SqlDialect, source: RowSource, options: UpliftSqlOptions = {}): string {
  const { features, graph, treatments } = pipeline;
  if (graph.treatments.length !== treatments.length) throw internalError(`SQL compile: the uplift graph has ${graph.treatments.length} treatments, the bundle names ${treatments.length}`);
  if (options.money) checkMoney(options.money);
  const inputs = modelInputNames(inputWidth(features));
  const ctes: [string, string][] = inputStages(features, pipeline.idColumn, dialect, source);
  const headColumn = (k: number) => `head_${k}`;
  const networks = graph.heads.flatMap((head, k) => (head.kind === 'network' ? [{ k, weights: head.weights }] : []));
  const linear = graph.heads.flatMap((head, k) => (head.kind === 'linear' ? [{ k, ...head }] : []));
  let previous = 'scaled';
  const done: string[] = [];
  networks.forEach(({ k, weights }, n) => {
    if (weights.layers[0]?.inputs !== inputs.length) throw internalError(`SQL compile: head ${k} takes ${weights.layers[0]?.inputs} inputs, the features give ${inputs.length}`);
    const inputsLater = n < networks.length - 1 || linear.length > 0;
    const stages = modelStages(weights, null, { prefix: `head${k}_`, from: previous, carry: [...(inputsLater ? inputs : []), ...done], probability: headColumn(k) });
    ctes.push(...stages);
    previous = stages[stages.length - 1]![0];
    done.push(headColumn(k));
  });
  if (linear.length > 0) {
    const scores = linear.map((head) => {
      if (head.weights.length !== inputs.length) throw internalError(`SQL compile: linear head ${head.k} takes ${head.weights.length} inputs, the features give ${inputs.length}`);
      return `${weightedSum(inputs, (i) => head.weights[i]!, head.bias, float32)} AS ${headColumn(head.k)}`;
    });
    ctes.push(['linear_heads', `SELECT ${['id', ...done, ...scores].join(',\n  ')}\nFROM ${previous}`]);
    previous = 'linear_heads';
  }
  const control = headColumn(graph.control);
  // As the graph: P(treated) = clip(P0 + constant + Σ coefficient · head, 0, 1), coefficients in float32.
  const treated = graph.treatments.map((t, i) => {
    const raw = [float32(t.constant), ...t.terms.map((term) => `${headColumn(term.head)}*${float32(term.coefficient)}`)].join('+');
    return `LEAST(GREATEST(${control}+(${raw}), 0), 1) AS t${i}`;
  });
  ctes.push(['treated', `SELECT id,\n  ${control} AS p0,\n  ${treated.join(',\n  ')}\nFROM ${previous}`]);
  const uplifts = treatments.map((_, i) => `u${i}`);
  // The best treatment is the first with the largest uplift, as `rebuy score` picks it.
  const best = uplifts.length === 1 ? uplifts[0]! : `GREATEST(${uplifts.join(', ')})`;
  const bestName = uplifts.length === 1
    ? dialect.quoteText(treatments[0]!)
    : `CASE ${uplifts.slice(0, -1).map((u, i) => `WHEN ${u} = best_uplift THEN ${dialect.quoteText(treatments[i]!)}`).join(' ')} ELSE ${dialect.quoteText(treatments[treatments.length - 1]!)} END`;
  const effects = ['id', 'p0', ...treatments.flatMap((_, i) => [`t${i}`, `t${i} - p0 AS u${i}`])];
  ctes.push(['effects', `SELECT ${effects.join(',\n  ')}\nFROM treated`]);
  ctes.push(['best', `SELECT *,\n  ${best} AS best_uplift\nFROM effects`]);

  const names = upliftScoreColumns(treatments, options.money !== undefined).map(dialect.outputIdent);
  const none = dialect.quoteText('none');
  const columns = [
    'id',
    'p0',
    ...treatments.flatMap((_, i) => [`t${i}`, `u${i}`]),
    `CASE WHEN best_uplift > 0 THEN ${bestName} ELSE ${none} END`,
  ];
  if (options.money) {
    // uplift × value − cost grows with the uplift: the best treatment is also the most profitable one.
    const gain = `best_uplift * ${float64(options.money.valuePerReturn)} - ${float64(options.money.contactCost)}`;
    columns.push(`CASE WHEN ${gain} > 0 THEN ${bestName} ELSE ${none} END`, `CASE WHEN ${gain} > 0 THEN ${gain} ELSE 0 END`);
  }
  columns.push('CASE WHEN best_uplift < 0 THEN 1 ELSE 0 END');
  const final = `SELECT ${columns.map((c, i) => `${c} AS ${names[i]}`).join(',\n  ')}\nFROM best`;
  const returns = upliftScoreColumns(treatments, options.money !== undefined).join(', ');
  const about = [...pipeline.about, `treatments: ${treatments.map((t) => JSON.stringify(t)).join(', ')} against no contact`];
  return assembleStatement(dialect, headerLines(dialect, returns, features, pipeline.idColumn, about), ctes, final);
}
