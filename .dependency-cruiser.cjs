/**
 * The layers of src/, top to bottom: a file may import from its own folder and from folders below
 * its own, never from one above or beside it, and no import may close a cycle. `npm test` runs this.
 */
const LAYERS = [
  ['cli'],
  ['server'],
  ['app'],
  ['report'],
  ['train'],
  // monitor/ compares new lists with the bundle's training profile, scoring them through predict/.
  ['explain', 'monitor'],
  ['predict'],
  // compile/ turns a verified bundle's plain data into SQL: it reads bundle/, model/ and prep/ data.
  ['compile'],
  ['bundle'],
  ['evaluate'],
  ['model'],
  // purchases/ builds customer tables from logs and fits BG/NBD on them: it needs only data/ and below.
  ['prep', 'audit', 'purchases'],
  // engines/ runs compiled SQL on an engine (DuckDB through data/'s driver); it knows nothing of models.
  ['engines'],
  ['data'],
  ['domain'],
  ['core'],
];

const folderPattern = (folders) => `^src/(${folders.join('|')})/`;

const layerRules = LAYERS.flatMap((layer, level) => {
  const above = LAYERS.slice(0, level).flat();
  return layer.map((folder) => {
    const beside = layer.filter((f) => f !== folder);
    const forbidden = [...above, ...beside];
    return forbidden.length === 0
      ? null
      : {
          name: `${folder}-imports-up`,
          comment: `src/${folder} sits below ${forbidden.join(', ')}: it must not import from them`,
          severity: 'error',
          from: { path: folderPattern([folder]) },
          to: { path: folderPattern(forbidden) },
        };
  });
}).filter(Boolean);

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'an import cycle ties two rooms into one',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'root-files-import-nothing-of-src',
      comment: 'errors.ts, config.ts and paths.ts are the floor every layer stands on',
      severity: 'error',
      from: { path: '^src/(errors|config|paths)\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(errors|config|paths)\\.ts$' },
    },
    {
      name: 'no-src-to-test-or-bench',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/server/web/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },

};
