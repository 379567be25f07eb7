/**
 * createApp(deps) builds the HTTP service; it does not listen (see cli/serve.ts).
 *
 *   /healthz, /readyz          open
 *   /, /web/*                  the web page, open (it asks for a key when the API needs one)
 *   /openapi.json, /docs       the API description, open
 *   /v1/*                      predictions, scores, model: key (when configured), rate limit, load shedding
 */
import cors from '@fastify/cors';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { RebuyError } from '../errors.js';
import { createKeyCheck, isLoopbackHostHeader } from './auth.js';
import { handleClientError, installErrorHandlers } from './error-handler.js';
import type { ModelHolder } from './model-holder.js';
import { apiRoutes } from './routes/api.js';
import { registerDocs } from './routes/docs.js';
import { healthRoutes } from './routes/health.js';
import type { ModelRoutesOptions } from './routes/model.js';
import type { ScoreFile } from './routes/scores.js';
import { webRoutes } from './routes/web.js';
import { errorSchema } from './schemas.js';
import { SERVER_LIMITS } from '../config.js';
import { createWorkBudget, type WorkBudget } from './work-budget.js';

export type { ScoreFile } from './routes/scores.js';

export interface ServerOptions {
  /** Required for /v1 when set. */
  apiKey: string | null;
  maxBatch: number;
  maxUploadBytes: number;
  /** Requests per minute per key (or per IP without a key); 0 = no limit. */
  rateLimitPerMinute: number;
  /** Allowed origins (comma-separated), or null: CORS off. */
  corsOrigin: string | null;
  /** /v1 requests handled at once; more get 503. */
  maxInFlight: number;
  /** CSV uploads received or scored at once; more get 503. */
  maxConcurrentUploads: number;
  /** Best-ranked rows of an upload that get reasons (JSON answers with ?reasons=k). */
  maxReasonRows: number;
  tmpDir: string;
  /** Fastify's logger option (pino); false = silent. */
  logger: FastifyServerOptions['logger'];
  /** Where the web page's files are; default src/server/web under the package root. */
  webDir?: string;
  /** The version shown in the OpenAPI document. */
  version: string;
  /** Reload may load directories inside this one by name; null: only the configured bundle directory. */
  modelsRoot: string | null;
  /**
   * Rows through the model in flight (a row with reasons counts as the rows its explanation
   * scores); beyond it requests get 503 with Retry-After. A request alone always runs.
   */
  maxWork: number;
  /** Declared JSON body bytes in flight; beyond it requests get 503 before their body is read. */
  maxBodyBytesInFlight: number;
  /** Time a request's headers and body have to arrive; then 408 and the connection closes. */
  bodyTimeoutMs: number;
}

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  apiKey: null,
  ...SERVER_LIMITS,
  corsOrigin: null,
  tmpDir: tmpdir(),
  logger: false,
  version: '0.1.0',
  modelsRoot: null,
  // About one 1,000-customer batch with reasons, or a hundred 10,000-customer batches without.
  maxWork: 1_000_000,
  maxBodyBytesInFlight: 64 * 1024 * 1024,
};

export interface AppDeps {
  models: ModelHolder;
  scoreFile: ScoreFile;
  options?: Partial<ServerOptions>;
  onReload?: ModelRoutesOptions['onReload'];
  /** The work budget (default: one of options.maxWork); given by tests and benchmarks to watch it. */
  work?: WorkBudget;
}

/**
 * Node's close ends idle keep-alive connections but not one that has not sent a request yet (a
 * browser's or fetch's spare socket): that one would hold the close up until its headers time out.
 * Returns the function that ends such connections; those with a request in progress finish it.
 */
function trackConnectionsWithoutRequests(app: FastifyInstance): () => void {
  const requestsOn = new Map<Socket, number>();
  app.server.on('connection', (socket: Socket) => {
    requestsOn.set(socket, 0);
    socket.once('close', () => requestsOn.delete(socket));
  });
  app.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    requestsOn.set(socket, (requestsOn.get(socket) ?? 0) + 1);
    response.once('close', () => {
      if (requestsOn.has(socket)) requestsOn.set(socket, requestsOn.get(socket)! - 1);
    });
  });
  return () => {
    for (const [socket, requests] of requestsOn) if (requests === 0) socket.destroy();
  };
}

export function createApp(deps: AppDeps): FastifyInstance {
  const options: ServerOptions = { ...DEFAULT_SERVER_OPTIONS, ...deps.options };
  const { models } = deps;
  const keyCheck = options.apiKey === null ? null : createKeyCheck(options.apiKey);

  const app = Fastify({
    logger: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    bodyLimit: 1 << 20,
    // Node's request timeout covers receiving the request only, not the work or the answer after it.
    requestTimeout: options.bodyTimeoutMs,
    http: {
      // Node swaps the two timeouts when the headers' is the longer: keep it within the request's.
      headersTimeout: Math.min(60_000, options.bodyTimeoutMs),
      // Node checks them every 30 s by default: often enough to end a slow body within a tenth of the timeout.
      connectionsCheckingInterval: Math.max(10, Math.min(30_000, Math.floor(options.bodyTimeoutMs / 10))),
    },
    ajv: { customOptions: { allowUnionTypes: true } },
    clientErrorHandler: handleClientError,
  });

  let closing = false;
  const closeWaitingConnections = trackConnectionsWithoutRequests(app);
  app.addHook('preClose', async () => {
    closing = true;
    closeWaitingConnections();
  });
  if (keyCheck === null) {
    // Without a key the server listens on loopback only (runServe enforces it); a page on another
    // site could still reach it by rebinding its own name to 127.0.0.1, which shows in Host.
    app.addHook('onRequest', async (request) => {
      if (!isLoopbackHostHeader(request.headers.host)) {
        throw new RebuyError('FORBIDDEN', 'the Host header does not name this server (use 127.0.0.1, localhost or [::1])');
      }
    });
  }
  app.addHook('onRequest', async (_request, reply) => {
    if (closing) {
      reply.header('connection', 'close');
      throw new RebuyError('NOT_READY', 'the server is shutting down');
    }
  });
  // Answers sent while closing end their connection, so keep-alive clients do not hold the close up.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onClose', () => models.close());

  installErrorHandlers(app);
  app.addSchema(errorSchema);

  if (options.corsOrigin !== null) {
    const origins = options.corsOrigin.split(',').map((o) => o.trim()).filter(Boolean);
    void app.register(cors, {
      origin: origins,
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'accept'],
      exposedHeaders: ['x-rebuy-model', 'x-rebuy-rows', 'x-rebuy-seconds', 'retry-after'],
      maxAge: 600,
    });
  }

  registerDocs(app, { version: options.version, secured: keyCheck !== null });

  void app.register(healthRoutes, { models, isClosing: () => closing });
  void app.register(webRoutes, { dir: options.webDir, models, keyCheck });

  void app.register(apiRoutes, {
    prefix: '/v1',
    models,
    keyCheck,
    maxInFlight: options.maxInFlight,
    rateLimitPerMinute: options.rateLimitPerMinute,
    maxBatch: options.maxBatch,
    scoreFile: deps.scoreFile,
    tmpDir: options.tmpDir,
    maxUploadBytes: options.maxUploadBytes,
    maxConcurrentUploads: options.maxConcurrentUploads,
    maxReasonRows: options.maxReasonRows,
    onReload: deps.onReload,
    modelsRoot: options.modelsRoot,
    work: deps.work ?? createWorkBudget(options.maxWork),
    maxBodyBytesInFlight: options.maxBodyBytesInFlight,
  });

  return app;
}
