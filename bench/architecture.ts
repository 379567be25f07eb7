/**
 * The shape of src/ as the dependency tool sees it: rooms (top-level folders and root files), the
 * arrows between them, how many floors deep the import graph is, arrows that run against the layer
 * order of .dependency-cruiser.cjs, cycles, lines and the largest files. `npm run architecture`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';

interface CruiseModule {
  source: string;
  dependencies: { resolved: string; circular: boolean }[];
}

const root = process.argv[2] ?? process.cwd();
const require = createRequire(import.meta.url);
const depcruise = join(packageRoot(), 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const run = spawnSync(process.execPath, [depcruise, 'src', '--no-config', '--ts-pre-compilation-deps', '--output-type', 'json', '--exclude', '^src/server/web/|node_modules'], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 1 << 28,
});
if (run.status !== 0 && !run.stdout) throw new Error(`dependency-cruiser failed: ${run.stderr}`);
const modules = (JSON.parse(run.stdout) as { modules: CruiseModule[] }).modules.filter((m) => m.source.startsWith('src/'));

const roomOf = (path: string): string => {
  const parts = path.split('/');
  return parts.length > 2 ? `${parts[1]}/` : parts[1]!;
};
const arrows = new Map<string, Set<string>>();
let cyclicEdges = 0;
for (const m of modules) {
  for (const d of m.dependencies) {
    if (!d.resolved.startsWith('src/')) continue;
    if (d.circular) cyclicEdges++;
    const [from, to] = [roomOf(m.source), roomOf(d.resolved)];
    if (from === to) continue;
    (arrows.get(from) ?? arrows.set(from, new Set()).get(from)!).add(to);
  }
}
const rooms = [...new Set(modules.map((m) => roomOf(m.source)))].sort();
const edgeCount = [...arrows.values()].reduce((n, s) => n + s.size, 0);
const bothWays = [...arrows].flatMap(([from, tos]) => [...tos].filter((to) => from < to && arrows.get(to)?.has(from)).map((to) => `${from}↔${to}`));

// Floors: the longest chain of arrows below a room, counting rooms in a cycle together.
const depth = new Map<string, number>();
const visiting = new Set<string>();
function floorOf(room: string): number {
  if (depth.has(room)) return depth.get(room)!;
  if (visiting.has(room)) return 0;
  visiting.add(room);
  let below = 0;
  for (const to of arrows.get(room) ?? []) below = Math.max(below, floorOf(to));
  visiting.delete(room);
  depth.set(room, below + 1);
  return below + 1;
}
const floors = Math.max(...rooms.map(floorOf));

const configPath = join(root, '.dependency-cruiser.cjs');
const config = existsSync(configPath) ? (require(configPath) as { forbidden: { name: string }[] }) : undefined;
const layerRules = config?.forbidden.filter((r) => r.name.endsWith('-imports-up')).length ?? 0;
const checked = config && spawnSync(process.execPath, [depcruise, 'src', '--config', configPath, '--output-type', 'json'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
const violations = checked && checked.stdout ? (JSON.parse(checked.stdout) as { summary: { violations: { rule: { name: string } }[] } }).summary.violations : [];

const lines = modules.map((m) => ({ file: m.source, lines: readFileSync(join(root, m.source), 'utf8').split('\n').length - 1 }));
lines.sort((a, b) => b.lines - a.lines);
const result = {
  rooms: rooms.length,
  arrowsBetweenRooms: edgeCount,
  possibleRoomPairs: (rooms.length * (rooms.length - 1)) / 2,
  floors,
  roomPairsImportingBothWays: bothWays,
  importsInCycles: cyclicEdges,
  layerViolations: violations.filter((v) => v.rule.name.endsWith('-imports-up')).length,
  cycleViolations: violations.filter((v) => v.rule.name === 'no-cycles').length,
  layerRules,
  srcFiles: modules.length,
  srcLines: lines.reduce((n, f) => n + f.lines, 0),
  largest: lines.slice(0, 5),
};
if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
else {
  process.stdout.write(
    `${result.rooms} rooms, ${result.arrowsBetweenRooms} arrows between them (of ${result.possibleRoomPairs} pairs), ${result.floors} floors deep\n` +
      `room pairs that import each other both ways: ${bothWays.length ? bothWays.join(', ') : 'none'}\n` +
      `imports in cycles: ${result.importsInCycles}; layer violations: ${result.layerViolations}; cycle violations: ${result.cycleViolations}\n` +
      `src: ${result.srcFiles} files, ${result.srcLines} lines; largest: ${result.largest.map((f) => `${f.file} ${f.lines}`).join(', ')}\n`,
  );
}
