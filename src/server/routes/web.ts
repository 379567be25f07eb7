/** The web page: GET / and its static files under /web/, read once from src/server/web. */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { packageRoot } from '../../paths.js';

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

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** The page's files: src/server/web under the package root, whether running from src/ or dist/src/. */
export function webDir(): string {
  return join(packageRoot(), 'src', 'server', 'web');
}

async function loadAssets(dir: string): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const name of await readdir(dir)) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    const body = await readFile(join(dir, name));
    assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` });
  }
  return assets;
}

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply.headers(PAGE_HEADERS).header('etag', asset.etag).type(asset.type);
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.send(asset.body);
}

export async function webRoutes(app: FastifyInstance, options: { dir?: string }) {
  const assets = await loadAssets(options.dir ?? webDir());
  const index = assets.get('index.html');
  if (index === undefined) throw new Error('web page missing: index.html');

  app.get('/', { schema: { hide: true } }, (request, reply) => sendAsset(request, reply, index));
  app.get<{ Params: { file: string } }>('/web/:file', { schema: { hide: true } }, (request, reply) => {
    const asset = assets.get(request.params.file);
    if (asset === undefined) return reply.callNotFound();
    return sendAsset(request, reply, asset);
  });
}
