/** rebuy's public API: re-exports only. */
export { RebuyError, exitCodeOf, httpStatusOf, isRebuyError, type ErrorCode, type InputLocation } from './errors.js';
export { AUDIOBOOKS_SCHEMA } from './domain/audiobooks.js';
export { type TableSchema, type FeatureColumn } from './core/schema.js';
export type { Table } from './core/table.js';
export { readTable, streamTable, type ReadOptions, type TableChunk } from './data/read.js';
export { writeCsv, writeParquet, writeNpz, atomicWriteFile } from './data/write.js';
export { generateAudiobooksSample, SYNTHETIC_NOTE } from './data/sample.js';
export { trainBundle, type TrainOptions, type TrainResult } from './app/train.js';
export { prepareParts, type PrepOptions } from './app/prep.js';
export { evaluateBundle, type EvaluateOptions, type Evaluation } from './app/evaluate.js';
export { compareModels, type CompareOptions, type CompareResult } from './app/compare.js';
export { decide, type DecideOptions, type Decision } from './app/decide.js';
export { loadPredictor } from './predict/predictor.js';
export { scoreFile } from './predict/score-file.js';
export type { Predictor, CustomerRecord, ScoreSummary } from './predict/types.js';
export type { FeatureColumns } from './core/table.js';
export { loadBundle } from './bundle/load.js';
export { compileBundleSql, type SqlOptions } from './app/sql.js';
export { scoreInEngine, type EngineScoreOptions, type EngineScoreSummary } from './app/score-engine.js';
export { compilePipelineSql, type ScoringPipeline, type RowSource, type CompileOptions } from './compile/pipeline-sql.js';
export { scoringPipelineOf, upliftPipelineOf } from './compile/from-bundle.js';
export { compileUpliftSql, type UpliftPipeline, type UpliftSqlOptions } from './compile/uplift-sql.js';
export { upliftScoreColumns } from './evaluate/uplift-decide.js';
export { compileScoringSql } from './compile/ensemble-sql.js';
export { DIALECTS, DIALECT_NAMES, type DialectName, type SqlDialect } from './compile/dialect.js';
export type { Manifest } from './bundle/manifest.js';
export type { MetricSet } from './evaluate/metrics.js';
export type { Calibration } from './evaluate/calibration.js';
export { computeMetrics } from './evaluate/metrics.js';
export { auditTable } from './audit/audit.js';
export { buildReport } from './app/report.js';
export { createApp } from './server/app.js';
export { buildFeatures, type FeaturesOptions, type FeaturesResult } from './app/features.js';
export { buildCustomerTable, type CustomerTable, type CustomerTableInfo, type CustomerTableOptions } from './purchases/customer-table.js';
export type { PurchaseLogSpec } from './purchases/log.js';
export {
  fitBgNbd,
  bgNbdLogLikelihood,
  pAlive,
  expectedPurchases,
  pAtLeastOne,
  scoreBgNbd,
  type BgNbdParams,
  type BgNbdFit,
  type RepeatData,
} from './purchases/bgnbd.js';
export { fitGammaGamma, gammaGammaLogLikelihood, expectedSpend, type GammaGammaParams, type GammaGammaFit } from './purchases/gamma-gamma.js';
export { fileStore, type ModelStore, type ResolvedVersion, type StoredVersion, type AliasMove, type MonitorRun } from './bundle/store.js';
export { parseStoreRef, formatRef, type StoreRef, type VersionRef, type AliasRef } from './bundle/ref.js';
export { listVersions, showVersion, diffVersions, type VersionSummary, type VersionDiff } from './app/models.js';
export { trainUpliftBundle, type UpliftTrainOptions, type UpliftTrainResult } from './app/uplift.js';
export { decideUplift, type UpliftDecision, type UpliftDecideOptions } from './app/uplift-decide.js';
export { scoreUpliftFile, upliftOf } from './predict/uplift-score.js';
export { auditExperiment, type ExperimentAudit } from './audit/experiment.js';
export { qiniCurve, upliftCurve, qiniCoefficient, upliftAreaCoefficient, upliftAtK, type UpliftSample } from './evaluate/uplift.js';
