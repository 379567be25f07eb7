/** The page's files and the rebuy modules it imports under /web/lib/: what is served, and what stops the start. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_CSS } from '../../src/report/charts.js';
import { webRoutes } from '../../src/server/routes/web.js';
import { makeApp, type TestApp } from './helpers.js';

/** Relative imports in a module's text (the compiled modules use only `from '…'`). */
function relativeImports(source: string): string[] {
  return [...source.matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
}

describe('the modules the page imports', () => {
  let test: TestApp;
  beforeAll(async () => {
    test = await makeApp();
  });
  afterAll(async () => {
    await test.app.close();
  });

  it('serves every module the page reaches, as JavaScript with the page headers and an etag', async () => {
    const seen = new Set<string>();
    const queue = ['/web/app.js'];
    for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
      if (seen.has(url)) continue;
      seen.add(url);
      const res = await test.app.inject(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toBe('text/javascript; charset=utf-8');
      expect(res.headers['content-security-policy'], url).toMatch(/script-src 'self'/);
      expect(res.headers.etag, url).toMatch(/^"[\w-]{16}"$/);
      for (const spec of relativeImports(res.body)) queue.push(new URL(spec, `http://x${url}`).pathname);
    }
    expect([...seen]).toEqual(
      expect.arrayContaining(['/web/lib/evaluate/profit.js', '/web/lib/core/csv.js', '/web/lib/report/charts.js', '/web/lib/report/svg.js', '/web/lib/core/format.js']),
    );
    const again = await test.app.inject({ url: '/web/lib/report/charts.js', headers: { 'if-none-match': String((await test.app.inject('/web/lib/report/charts.js')).headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('serves nothing else of rebuy, and no path out of lib/', async () => {
    for (const url of ['/web/lib/server/app.js', '/web/lib/data/read.js', '/web/lib/../../package.json', '/web/lib/%2e%2e/%2e%2e/package.json', '/web/lib/report/charts.js.map', '/web/lib/']) {
      const res = await test.app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code, url).toBe('NOT_FOUND');
    }
  });

  it('serves the charts stylesheet made by the chart module, and the page links it', async () => {
    const css = await test.app.inject('/web/charts.css');
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toBe(CHART_CSS);
    expect((await test.app.inject('/')).body).toContain('<link rel="stylesheet" href="/web/charts.css">');
  });
});

describe('a page that imports what a browser cannot load', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'rebuy-web-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function start(pageScript: string, lib: Record<string, string>): Promise<void> {
    const dir = await mkdtemp(join(root, 'page-'));
    const libDir = join(dir, 'compiled');
    await writeFile(join(dir, 'index.html'), '<!doctype html><script type="module" src="/web/app.js"></script>');
    await writeFile(join(dir, 'app.js'), pageScript);
    for (const [path, text] of Object.entries(lib)) {
      await mkdir(join(libDir, path, '..'), { recursive: true });
      await writeFile(join(libDir, path), text);
    }
    const app = Fastify();
    try {
      await app.register(webRoutes, { dir, libDir });
      await app.ready();
    } finally {
      await app.close();
    }
  }

  it('starts when every import resolves inside lib/', async () => {
    await expect(start(`import { a } from './lib/core/a.js';`, { 'core/a.js': `export { b as a } from '../evaluate/b.js';`, 'evaluate/b.js': 'export const b = 1;' })).resolves.toBeUndefined();
  });

  it('refuses a Node built-in or a package, naming the module and the import', async () => {
    await expect(start(`import { a } from './lib/core/a.js';`, { 'core/a.js': `import { readFile } from 'node:fs'; export const a = readFile;` })).rejects.toThrow(
      /lib\/core\/a\.js imports "node:fs", which the browser cannot load/,
    );
    await expect(start(`import fc from 'fast-check';`, {})).rejects.toThrow(/app\.js imports "fast-check"/);
  });

  it('refuses an import outside lib/ and names a module that was not built', async () => {
    await expect(start(`import { a } from './lib/core/a.js';`, { 'core/a.js': `export { x as a } from '../../../secret.js';` })).rejects.toThrow(/outside the page's files and lib\//);
    await expect(start(`import { a } from './lib/core/missing.js';`, {})).rejects.toThrow(/missing\.js, which is missing; build rebuy first \(npm run build\)/);
  });
});
