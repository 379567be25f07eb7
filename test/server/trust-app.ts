/**
 * A served model as `rebuy decide` leaves it: a profit decision (cost 2, value 30) that moved the
 * threshold, an audit with a leakage suspect, a baseline, and the report, all read through the
 * bundle like a real one. Scoring and reasons are the fakes'.
 */
import type { FastifyInstance } from 'fastify';
import { evaluationJson, type BundleEvaluation } from '../../src/bundle/evaluation.js';
import { sha256 } from '../../src/bundle/hash.js';
import { BACKGROUND_FILE, EVALUATION_FILE, REPORT_FILE } from '../../src/bundle/layout.js';
import type { Manifest } from '../../src/bundle/manifest.js';
import { computeMetrics } from '../../src/evaluate/metrics.js';
import type { Predictor } from '../../src/predict/types.js';
import { renderReport } from '../../src/report/html.js';
import { makeFixture, AUDIT } from '../report/fixtures.js';
import { fakePredictor } from './fakes.js';
import { makeApp } from './helpers.js';
import type { ServerOptions } from '../../src/server/app.js';

/** The threshold `decide` saved; the baseline's metrics in the manifest are still at training's 0.5. */
export const DECIDED_THRESHOLD = 0.3;
export const MONEY = { contactCost: 2, valuePerReturn: 30 };

export interface TrustBundle {
  manifest: Manifest;
  evaluation: BundleEvaluation;
  /** The bundle's files by name, as they were hashed. */
  stored: Map<string, Buffer>;
}

/** The fixture bundle after a profit decision; `suspect` is the column the audit flags as a leakage suspect. */
export function decidedBundle(suspect: string, options: { report?: boolean } = {}): TrustBundle {
  const { manifest: trained, evaluation: fixture } = makeFixture({ threshold: 0.5 });
  const audit = { ...AUDIT, findings: AUDIT.findings.map((f) => (f.code === 'PURE_GROUP' ? { ...f, column: suspect } : f)) };
  const evaluation: BundleEvaluation = { ...fixture, audit, money: MONEY };
  const naturalTest = computeMetrics(evaluation.naturalTest.probability, evaluation.naturalTest.label, DECIDED_THRESHOLD);
  const manifest: Manifest = {
    ...trained,
    threshold: DECIDED_THRESHOLD,
    thresholdObjective: { kind: 'profit', ...MONEY },
    model: { ...trained.model, metrics: { ...trained.model.metrics, naturalTest } },
  };
  const files = new Map<string, Buffer>([[EVALUATION_FILE, Buffer.from(evaluationJson(evaluation))]]);
  if (options.report !== false) files.set(REPORT_FILE, Buffer.from(renderReport({ manifest, evaluation })));
  const hashed = Object.fromEntries([...files, [BACKGROUND_FILE, Buffer.from('the fake background')] as const].map(([name, data]) => [name, sha256(data)]));
  return { manifest: { ...manifest, files: hashed }, evaluation, stored: files };
}

/** A predictor serving the bundle: the fake's scores and reasons, the bundle's files verified as stored. */
export function decidedPredictor({ manifest, stored }: TrustBundle): Predictor {
  const base = fakePredictor({ explain: true });
  return {
    ...base,
    manifest,
    threshold: DECIDED_THRESHOLD,
    bundle: {
      ...base.bundle,
      manifest,
      async readVerified(name) {
        return stored.get(name) ?? base.bundle.readVerified(name);
      },
    },
  };
}

export async function decidedApp(suspect: string, options: { report?: boolean; server?: Partial<ServerOptions> } = {}): Promise<FastifyInstance> {
  const bundle = decidedBundle(suspect, options);
  const { app } = await makeApp({ load: async () => decidedPredictor(bundle), ...options.server });
  return app;
}
