// Large CommonJS files (TF.js, DuckDB's Node API) loaded with V8's code cache, made at build time by
// build/write-code-cache.mjs into dist/vendor/code-cache/: V8 then skips parsing and compiling what
// the cache holds, including the functions the build's warm-up ran. Node 20 has no compile cache of
// its own (module.enableCompileCache came in Node 22). A cache is used only for the exact source it
// was made from (its SHA-256 leads the file; V8 itself checks only the length) and the same V8 and
// flags (V8 rejects it otherwise); any mismatch, or no cache, compiles the file as require() would.
'use strict';
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, writeFileSync, renameSync } = require('node:fs');
const { Module, createRequire } = require('node:module');
const { basename, dirname, join } = require('node:path');
const vm = require('node:vm');

const CACHE_DIR = join(__dirname, 'code-cache');
const HASH_BYTES = 32;
/** The scripts this process compiled, by cache file: what writeCodeCaches saves. */
const compiled = new Map();

function cacheFileOf(filename) {
  return join(CACHE_DIR, `${basename(filename)}.cache`);
}

/** The V8 cache made from exactly this source, or undefined. */
function readCache(cacheFile, hash) {
  let data;
  try {
    data = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  return data.length > HASH_BYTES && data.subarray(0, HASH_BYTES).equals(hash) ? data.subarray(HASH_BYTES) : undefined;
}

/**
 * require(id) from `from` (a file or import.meta.url), with the code cache for the file it resolves
 * to. The module is registered as require() registers it, so the package's own require() of it (one
 * TF.js package of another) finds the same instance.
 */
function requireCached(from, id) {
  const filename = createRequire(from).resolve(id);
  const loaded = require.cache[filename];
  if (loaded) return loaded.exports;
  const source = readFileSync(filename, 'utf8');
  const hash = createHash('sha256').update(source).digest();
  const cacheFile = cacheFileOf(filename);
  const script = new vm.Script(Module.wrap(source), {
    filename,
    cachedData: readCache(cacheFile, hash),
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const moduleRequire = createRequire(filename);
  const module = new Module(filename, null);
  module.filename = filename;
  module.paths = moduleRequire.resolve.paths('') ?? [];
  require.cache[filename] = module;
  try {
    script.runInThisContext().call(module.exports, module.exports, moduleRequire, module, filename, dirname(filename));
  } catch (err) {
    delete require.cache[filename];
    throw err;
  }
  module.loaded = true;
  compiled.set(cacheFile, { script, hash });
  return module.exports;
}

/** Saves the code cache of every file requireCached compiled in this process (the build's warm-up calls it). */
function writeCodeCaches() {
  mkdirSync(CACHE_DIR, { recursive: true });
  for (const [cacheFile, { script, hash }] of compiled) {
    const partial = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(partial, Buffer.concat([hash, script.createCachedData()]));
    renameSync(partial, cacheFile);
  }
  return [...compiled.keys()];
}

module.exports = { requireCached, writeCodeCaches, CACHE_DIR };
