/**
 * An ensemble bundle as one SQL statement: the shared input stages, then each member's chain of CTEs
 * (pipeline-sql.ts' modelStages under the prefix m1_, m2_ …), then the mean of their calibrated
 * probabilities, as model/onnx-build.ts' ensemble graph computes it. Each chain passes along the
 * model input the later members read and the probabilities of the earlier ones, so no stage joins.
 */
import { internalError } from '../errors.js';
import type { SqlDialect } from './dialect.js';
import {
  compilePipelineSql,
  inputStages,
  modelInputNames,
  modelStages,
  pipelineStatement,
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
  const inputs = modelInputNames(pipeline.features);
  const ctes = inputStages(pipeline, dialect, source);
  const probabilities: string[] = [];
  let from = 'scaled';
  members.forEach((member, k) => {
    const carry = [...(k < members.length - 1 ? inputs : []), ...probabilities];
    const output = `p${k + 1}`;
    const chain = modelStages(pipeline.features, member.weights, member.calibration, { prefix: `m${k + 1}_`, from, carry, output });
    ctes.push(...chain.ctes);
    probabilities.push(output);
    from = chain.last;
  });
  ctes.push(['ensemble', `SELECT id, (${probabilities.join(' + ')}) / ${members.length} AS probability\nFROM ${from}`]);
  return pipelineStatement(pipeline, dialect, ctes, 'ensemble', options);
}
