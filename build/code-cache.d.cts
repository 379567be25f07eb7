/** require(id) resolved from `from` (a file path or import.meta.url), with the build's V8 code cache for that file when it matches. */
export declare function requireCached(from: string, id: string): unknown;
/** Saves the code cache of every file requireCached compiled in this process; returns the cache files. */
export declare function writeCodeCaches(): string[];
export declare const CACHE_DIR: string;
