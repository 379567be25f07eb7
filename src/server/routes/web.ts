/**
 * The web page: GET / and its files under /web/, read once at start. Besides its own files in
 * src/server/web, the page imports rebuy's own compiled modules (charts, expected profit, number
 * formats, metric labels, CSV) from /web/lib/, so it computes and draws exactly as the report and
 * the CLI do. Only the modules the page's imports reach are served.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { extname, join, posix } from 'node:path';
import { init as initModuleLexer, parse as parseModule } from 'es-module-lexer';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { REPORT_FILE } from '../../bundle/layout.js';
import { RebuyError, internalError } from '../../errors.js';
import { packageRoot } from '../../paths.js';
import { CHART_CSS } from '../../report/charts.js';
import { presentedKey, unauthorized, type KeyCheck } from '../auth.js';
import type { ModelHolder } from '../model-holder.js';
import { notReady } from './common.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** Only this server: no CDN, no inline script, no third-party connection. */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/**
 * The bundle's report is self-contained: its own inline styles and SVG, no script and nothing from
 * the network.
 */
const REPORT_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** Where the page finds rebuy's modules, relative to /web/. */
const LIB = 'lib/';

/** The stylesheet of the shared charts, made from the same module that draws them. */
const CHARTS_CSS_FILE = 'charts.css';

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** The page's files: src/server/web under the package root, whether running from src/ or dist/src/. */
export function webDir(): string {
  return join(packageRoot(), 'src', 'server', 'web');
}

/** rebuy's compiled modules, which the page imports under /web/lib/ (built by `npm run build`). */
export function compiledDir(): string {
  return join(packageRoot(), 'dist', 'src');
}

function asset(body: Buffer, type: string): Asset {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` };
}

/**
 * Every module the page's scripts import, transitively, keyed by its path under /web/. An import a
 * browser could not load from this server (a package, node:*, a path outside lib/) stops the start.
 */
async function pageModules(scripts: Map<string, Buffer>, libDir: string): Promise<Map<string, Asset>> {
  await initModuleLexer;
  const found = new Map<string, Asset>();
  const queue = [...scripts.entries()];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [path, source] = next;
    const [imports] = parseModule(source.toString('utf8'), path);
    for (const imported of imports) {
      if (imported.d === -2) continue; // import.meta
      const specifier = imported.n;
      if (specifier === undefined || !/^\.\.?\//.test(specifier)) {
        throw internalError(`web page: ${path} imports ${JSON.stringify(specifier ?? 'a computed path')}, which the browser cannot load from this server`);
      }
      const target = posix.join(posix.dirname(path), specifier);
      if (scripts.has(target) || found.has(target)) continue;
      if (!target.startsWith(LIB) || extname(target) !== '.js') {
        throw internalError(`web page: ${path} imports ${JSON.stringify(specifier)}, outside the page's files and ${LIB}`);
      }
      const file = join(libDir, target.slice(LIB.length));
      if (!existsSync(file)) throw internalError(`web page: ${path} imports ${file}, which is missing; build rebuy first (npm run build)`);
      const body = await readFile(file);
      found.set(target, asset(body, TYPES['.js']!));
      queue.push([target, body]);
    }
  }
  return found;
}

async function loadAssets(dir: string, libDir: string): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  const scripts = new Map<string, Buffer>();
  for (const name of await readdir(dir)) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    const body = await readFile(join(dir, name));
    assets.set(name, asset(body, type));
    if (extname(name) === '.js') scripts.set(name, body);
  }
  for (const [path, module] of await pageModules(scripts, libDir)) assets.set(path, module);
  assets.set(CHARTS_CSS_FILE, asset(Buffer.from(CHART_CSS), TYPES['.css']!));
  return assets;
}

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply.headers(PAGE_HEADERS).header('etag', asset.etag).type(asset.type);
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.send(asset.body);
}

export interface WebRoutesOptions {
  dir?: string;
  libDir?: string;
  /** The serving model, whose report /report shows; without it there is no /report. */
  models?: ModelHolder;
  /** The API's key check: the report tells as much about the model as GET /v1/model, so it asks for the same key. */
  keyCheck?: KeyCheck | null;
}

export async function webRoutes(app: FastifyInstance, options: WebRoutesOptions) {
  const assets = await loadAssets(options.dir ?? webDir(), options.libDir ?? compiledDir());
  const index = assets.get('index.html');
  if (index === undefined) throw new Error('web page missing: index.html');

  app.get('/', { schema: { hide: true } }, (request, reply) => sendAsset(request, reply, index));
  app.get<{ Params: { file: string } }>('/web/:file', { schema: { hide: true } }, (request, reply) => {
    const found = assets.get(request.params.file);
    if (found === undefined) return reply.callNotFound();
    return sendAsset(request, reply, found);
  });
  app.get<{ Params: { '*': string } }>(`/web/${LIB}*`, { schema: { hide: true } }, (request, reply) => {
    const found = assets.get(`${LIB}${request.params['*']}`);
    if (found === undefined) return reply.callNotFound();
    return sendAsset(request, reply, found);
  });

  const { models, keyCheck = null } = options;
  if (models === undefined) return;
  // The serving model's report, read through its verified bundle: what is shown is what was hashed.
  app.get('/report', { schema: { hide: true } }, async (request, reply) => {
    if (keyCheck !== null && !keyCheck(presentedKey(request.headers))) throw unauthorized(presentedKey(request.headers));
    const slot = models.acquire();
    if (slot === null) throw notReady();
    try {
      const { bundle, bundleHash } = slot.predictor;
      if (!(REPORT_FILE in bundle.manifest.files)) {
        throw new RebuyError('NOT_FOUND', `the serving model's bundle holds no ${REPORT_FILE}: write it with rebuy report --model DIR, then reload`);
      }
      const html = await bundle.readVerified(REPORT_FILE);
      const etag = `"${bundleHash.slice(0, 16)}"`;
      reply.headers(REPORT_HEADERS).header('etag', etag).type('text/html; charset=utf-8');
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.send(html);
    } finally {
      models.release(slot);
    }
  });
}
