/** Shared test setup: an app over the fake predictor, and response checks against the OpenAPI document. */
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { createApp, type ScoreFile, type ServerOptions } from '../../src/server/app.js';
import { createModelHolder, type LoadPredictor, type ModelHolder } from '../../src/server/model-holder.js';
import { scoreRows } from '../../src/predict/score-file.js';
import type { WorkBudget } from '../../src/server/work-budget.js';
import { fakePredictor, type FakePredictorOptions } from './fakes.js';

export const TEST_KEY = 'test-key-0123456789abcdef';

export interface TestApp {
  app: FastifyInstance;
  models: ModelHolder;
}

export async function makeApp(
  options: Partial<ServerOptions> & {
    predictor?: FakePredictorOptions;
    load?: LoadPredictor;
    scoreFile?: ScoreFile;
    loaded?: boolean;
    bundleDir?: string;
    work?: WorkBudget;
  } = {},
): Promise<TestApp> {
  const { predictor, load, scoreFile, loaded, bundleDir, work, ...serverOptions } = options;
  const models = createModelHolder(load ?? (async () => fakePredictor(predictor)), { bundleDir: bundleDir ?? '/bundles/fake' });
  if (loaded !== false) await models.load();
  const app = createApp({
    models,
    scoreFile: scoreFile ?? scoreRows,
    work,
    options: { rateLimitPerMinute: 0, ...serverOptions },
  });
  await app.ready();
  return { app, models };
}

interface OpenApiDoc {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  components?: { schemas?: Record<string, unknown> };
}

/** Replaces `#/components/schemas/X` references by the schemas themselves. */
function deref(node: unknown, schemas: Record<string, unknown>): unknown {
  if (Array.isArray(node)) return node.map((n) => deref(n, schemas));
  if (node === null || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  if (typeof obj.$ref === 'string') {
    const name = obj.$ref.replace('#/components/schemas/', '');
    return deref(schemas[name], schemas);
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, deref(v, schemas)]));
}

export type ResponseCheck = (method: string, path: string, status: number, contentType: string, body: string) => void;

/**
 * Checks an answer against the OpenAPI document: the route and status must be documented
 * (exact code or 4XX/5XX), and a JSON body must match the documented schema.
 */
export async function openApiChecker(app: FastifyInstance): Promise<ResponseCheck> {
  const doc = (await app.inject('/openapi.json')).json() as OpenApiDoc;
  const schemas = doc.components?.schemas ?? {};
  const ajv = new Ajv({ strict: false, allErrors: true, allowUnionTypes: true });
  const cache = new Map<string, ValidateFunction>();
  return (method, path, status, contentType, body) => {
    const route = doc.paths[path]?.[method.toLowerCase()];
    expect(route, `${method} ${path} is documented`).toBeDefined();
    const responses = route!.responses;
    const key = [String(status), `${String(status)[0]}XX`, `${String(status)[0]}xx`, 'default'].find((k) => responses[k]);
    expect(key, `${method} ${path} documents status ${status}`).toBeDefined();
    const media = contentType.split(';')[0]!.trim();
    const content = responses[key!]!.content;
    if (content === undefined) return;
    const entry = content[media];
    expect(entry, `${method} ${path} ${status} documents ${media}`).toBeDefined();
    if (media !== 'application/json') return;
    const cacheKey = `${method} ${path} ${key} ${media}`;
    const validate = cache.get(cacheKey) ?? ajv.compile(deref(entry!.schema, schemas) as object);
    cache.set(cacheKey, validate);
    const ok = validate(JSON.parse(body));
    expect(validate.errors ?? [], `${method} ${path} ${status}: ${body.slice(0, 300)}`).toEqual([]);
    expect(ok).toBe(true);
  };
}

/** The one error shape, small, with no stack trace. */
export function expectErrorShape(body: string, code?: string): { code: string; message: string; field?: string; line?: number; column?: string } {
  expect(Buffer.byteLength(body)).toBeLessThan(4096);
  const parsed = JSON.parse(body) as { error: { code: string; message: string } };
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(typeof parsed.error.message).toBe('string');
  expect(body).not.toMatch(/\n\s+at /);
  if (code !== undefined) expect(parsed.error.code).toBe(code);
  return parsed.error;
}
