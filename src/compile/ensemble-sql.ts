/**
 * An ensemble bundle as one SQL statement: the shared input stages, then each member's chain of CTEs
 * (pipeline-sql.ts' modelStages under the prefix m1_, m2_ …), then the mean of their calibrated
 * probabilities, as model/onnx-build.ts' ensemble graph computes it. Each chain passes along the
 * model input the later members read and the probabilities of the earlier ones, so no stage joins.
 */
import { internalError } from '../errors.js';
import { inputWidth } from '../prep/features.js';
import type { SqlDialect } from './dialect.js';
import {
  checkShapes,
  compilePipelineSql,
  inputStages,
  modelInputNames,
  modelStages,
  probabilityStatement,
  type CompileOptions,
  type RowSource,
  type ScoringPipeline,
} from './pipeline-sql.js';

/** Any bundle's pipeline, a single model's or an ensemble's, as one statement. */
export function compileScoringSql(pipeline: ScoringPipeline, dialect: SqlDialect, source: RowSource, options: CompileOptions = {}): string {
  return pipeline.members ? compileEnsembleSql(pipeline, dialect, source, options) : compilePipelineSql(pipeline, dialect, source, options);
}

export function compileEnsembleSql(pipeline: ScoringPipeline, dialect: SqlDialect, source: RowSource, options: CompileOptions = {}): string {
  const members = pipeline.members ?? [];
  if (members.length < 2) throw internalError(`SQL compile: an ensemble needs at least 2 members, got ${members.length}`);
  const inputs = modelInputNames(inputWidth(pipeline.features));
  const ctes = inputStages(pipeline.features, pipeline.idColumn, dialect, source);
  const probabilities: string[] = [];
  let from = 'scaled';
  members.forEach((member, k) => {
    checkShapes(pipeline.features, member.weights);
    const carry = [...(k < members.length - 1 ? inputs : []), ...probabilities];
    const probability = `p${k + 1}`;
    const prefix = `m${k + 1}_`;
    ctes.push(...modelStages(member.weights, member.calibration, { prefix, from, carry, probability }));
    probabilities.push(probability);
    from = `${prefix}calibrated`;
  });
  ctes.push(['ensemble', `SELECT id, (${probabilities.join(' + ')}) / ${members.length} AS probability\nFROM ${from}`]);
  return probabilityStatement(pipeline, dialect, ctes, 'ensemble', options);
}
