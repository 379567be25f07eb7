/** GET /v1/model (what is serving) and POST /v1/model/reload (swap in a new bundle without downtime). */
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Type, type StaticDecode } from '#typebox';
import { lazyChecker } from '../../bundle/format.js';
import { readEvaluation, type BundleEvaluation } from '../../bundle/evaluation.js';
import { EVALUATION_FILE, REPORT_FILE } from '../../bundle/layout.js';
import type { Manifest } from '../../bundle/manifest.js';
import { objectiveInWords } from '../../bundle/objective.js';
import type { AuditReport } from '../../audit/types.js';
import type { MoneySettings } from '../../evaluate/decide.js';
import { computeMetrics } from '../../evaluate/metrics.js';
import { RebuyError, bundleError, isRebuyError } from '../../errors.js';
import type { Predictor } from '../../predict/types.js';
import type { ModelHolder } from '../model-holder.js';
import { errorResponses, modelInfoSchema, reloadRequestSchema, reloadResponseSchema, tuplesAsArrays } from '../schemas.js';
import { reloadTarget, type ReloadPolicy } from '../reload-policy.js';
import { notReady } from './common.js';

export interface ModelRoutesOptions {
  models: ModelHolder;
  /** Called after each reload attempt (for the server log). */
  onReload?: (outcome: { hash?: string; error?: unknown }) => void;
  /** Directories inside it may be reloaded by name; null: only the configured one. */
  modelsRoot?: string | null;
}

/** A browser sends Origin on every cross-site POST: a page elsewhere must not trigger reloads. */
function checkOrigin(origin: string | undefined, host: string | undefined): void {
  if (origin === undefined) return;
  let originHost: string | null = null;
  try {
    originHost = new URL(origin).host;
  } catch {
    originHost = null;
  }
  if (originHost === null || originHost !== host) {
    throw new RebuyError('FORBIDDEN', 'a reload from another origin is refused');
  }
}

export type ModelInfo = StaticDecode<typeof modelInfoSchema>;

/** GET /v1/model: the bundle, and which stored version it is when the server serves one from the store. */
const servingModelSchema = Type.Object({
  ...modelInfoSchema.properties,
  registry: Type.Union(
    [
      Type.Object({
        name: Type.String(),
        version: Type.Integer({ minimum: 1 }),
        alias: Type.Union([Type.String(), Type.Null()], { description: 'The alias the server follows (NAME@ALIAS), or null when started on NAME/vN.' }),
      }),
      Type.Null(),
    ],
    { description: 'The stored version answering (name, version, alias); null for a bundle directory given as a path.' },
  ),
});

const modelInfoChecker = lazyChecker(modelInfoSchema);

/** Leakage suspects: a column that decides the outcome (almost) alone was likely recorded after it. */
const SUSPECT_CODES: ReadonlySet<string> = new Set(['PURE_GROUP', 'SEPARATOR']);
const SEVERITY_ORDER = { problem: 0, warning: 1, info: 2 } as const;

/** What the audit stored in the bundle warns about, for the page to show beside the results. */
function auditCaveats(audit: AuditReport | null): Pick<ModelInfo, 'caveats' | 'suspectColumns'> {
  if (audit === null) return { caveats: [], suspectColumns: [] };
  const serious = audit.findings
    .filter((f) => f.severity !== 'info')
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  const suspects = audit.findings.filter((f) => SUSPECT_CODES.has(f.code) && f.column !== null).map((f) => f.column!);
  return {
    caveats: serious.map(({ code, severity, column, message }) => ({ code, severity, column, message })),
    suspectColumns: [...new Set(suspects)],
  };
}

/** The saved decision's money: an uplift decision's, the profit objective's own, else the settings `decide` kept. */
function savedMoney(manifest: Manifest, evaluation: BundleEvaluation | null): MoneySettings | null {
  const objective = manifest.thresholdObjective;
  if (manifest.uplift) return manifest.uplift.decision?.money ?? null;
  if (objective.kind === 'profit') return { contactCost: objective.contactCost, valuePerReturn: objective.valuePerReturn };
  return evaluation?.money ?? null;
}

/** Model and baseline on the same natural test customers at the same (serving) threshold, so they compare. */
function atSameThreshold(threshold: number, evaluation: BundleEvaluation | null): ModelInfo['sameThreshold'] {
  if (evaluation === null) return null;
  const { naturalTest, baselineNaturalTest } = evaluation;
  return {
    threshold,
    model: computeMetrics(naturalTest.probability, naturalTest.label, threshold),
    baseline: baselineNaturalTest === null ? null : computeMetrics(baselineNaturalTest.probability, baselineNaturalTest.label, threshold),
  };
}

/** The bundle's evaluation.json, or null for a bundle that keeps none. */
async function evaluationOf(predictor: Predictor): Promise<BundleEvaluation | null> {
  if (!(EVALUATION_FILE in predictor.bundle.manifest.files)) return null;
  return readEvaluation(predictor.bundle);
}

/** An uplift bundle's section without the graph's output names, which only the scoring code reads. */
function upliftInfo(section: Manifest['uplift']): ModelInfo['uplift'] {
  if (section === undefined) return null;
  const { outputs: _outputs, ...info } = section;
  return info;
}

/** Each loaded model's answer, made once: its bundle never changes while it serves. */
const answers = new WeakMap<Predictor, Promise<ModelInfo>>();

/** What GET /v1/model shows: the manifest without the fitted state, file hashes or server paths, and what the page needs of the evaluation. */
export function modelInfo(predictor: Predictor): Promise<ModelInfo> {
  let answer = answers.get(predictor);
  if (answer === undefined) {
    answer = describeModel(predictor);
    // A failed read is not kept: the next request tries again.
    answer.catch(() => answers.delete(predictor));
    answers.set(predictor, answer);
  }
  return answer;
}

async function describeModel(predictor: Predictor): Promise<ModelInfo> {
  const m = predictor.manifest;
  const { fingerprint: _fingerprint, files, synthetic, ...data } = m.data;
  const evaluation = await evaluationOf(predictor);
  return {
    hash: predictor.bundleHash,
    version: m.packages['rebuy'] ?? null,
    formatVersion: m.formatVersion,
    createdAt: m.createdAt,
    synthetic,
    schema: m.schema,
    featureNames: m.featureNames,
    threshold: predictor.threshold,
    thresholdObjective: objectiveInWords(m.thresholdObjective),
    objective: m.thresholdObjective,
    calibration: m.calibration,
    data: { ...data, files: files.map((f) => basename(f)) },
    model: m.model,
    baseline: m.baseline,
    packages: m.packages,
    money: savedMoney(m, evaluation),
    ...auditCaveats(evaluation?.audit ?? null),
    sameThreshold: atSameThreshold(predictor.threshold, evaluation),
    report: REPORT_FILE in predictor.bundle.manifest.files,
    purchases: evaluation?.purchases ?? null,
    uplift: upliftInfo(m.uplift),
  };
}

export async function modelRoutes(app: FastifyInstance, { models, onReload, modelsRoot = null }: ModelRoutesOptions) {
  const policy: ReloadPolicy = { configuredDir: models.bundleDir, modelsRoot };
  app.get(
    '/model',
    {
      schema: {
        summary: 'The serving model',
        description: "A summary of the bundle's manifest: schema, features, metrics, threshold, calibration, training history.",
        tags: ['model'],
        response: { 200: tuplesAsArrays(servingModelSchema), ...errorResponses },
      },
    },
    async () => {
      const slot = models.acquire();
      if (slot === null) throw notReady();
      // The predictor and its origin from one slot: a swap meanwhile cannot pair one with the other's.
      try {
        // As JSON has it: NaN metrics become null.
        return { ...modelInfoChecker().Encode(await modelInfo(slot.predictor)), registry: slot.origin };
      } finally {
        models.release(slot);
      }
    },
  );

  app.post<{ Body: { model?: string } | null | undefined }>(
    '/model/reload',
    {
      schema: {
        summary: 'Load a new bundle',
        description:
          'Loads and verifies a bundle (default: the current directory again), scores its own background sample, and swaps it in atomically; requests in flight finish on the old one. A bundle that fails is refused with 422 and the old one keeps serving. `model` may name only the directory the server was started with, or, when it was started with --models-root, a directory inside that root (403 otherwise). A load that takes too long is abandoned (422); a reload while two are pending answers 503.',
        tags: ['model'],
        body: reloadRequestSchema,
        response: { 200: reloadResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const previous = models.current?.bundleHash ?? null;
      try {
        checkOrigin(request.headers.origin, request.headers.host);
        const dir = await reloadTarget(request.body?.model, policy);
        const predictor = await models.load(dir).catch((err: unknown) => {
          if (isRebuyError(err)) throw err;
          throw bundleError(dir ?? models.bundleDir ?? '', `could not be loaded: ${err instanceof Error ? err.message : String(err)}`, err);
        });
        onReload?.({ hash: predictor.bundleHash });
        return { hash: predictor.bundleHash, previous, createdAt: predictor.manifest.createdAt };
      } catch (err) {
        onReload?.({ error: err });
        throw err;
      }
    },
  );
}
