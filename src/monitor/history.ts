/**
 * Where monitoring runs are kept, behind a small interface so a model store can keep them beside the
 * model version; here a directory of one JSON file per run, each written atomically.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, TypeCompiler, type Static } from '#typebox';
import type { ModelStore } from '../bundle/store.js';
import type { StoreRef } from '../bundle/ref.js';
import { atomicWriteFile } from '../data/write.js';
import { inputError, systemError } from '../errors.js';
import type { MonitorRun } from './run.js';

/** What the trend reads of a recorded run (a run file holds more; numbers that were not finite are null). */
const Num = Type.Union([Type.Number(), Type.Null()]);
const Figures = Type.Object({ rows: Type.Number(), accuracy: Num, rocAuc: Num, contacted: Type.Number(), buyersContacted: Num, profit: Num });
export const RecordedRunSchema = Type.Object({
  at: Type.String(),
  model: Type.Object({ ref: Type.String(), hash: Type.String() }),
  data: Type.Object({ file: Type.String(), rows: Type.Number() }),
  columns: Type.Array(Type.Object({ column: Type.String() })),
  scores: Type.Union([Type.Object({ drifted: Type.Boolean() }), Type.Null()]),
  estimate: Type.Object({ expected: Figures, realized: Type.Union([Figures, Type.Null()]) }),
  alert: Type.Object({ alert: Type.Boolean(), flagged: Type.Array(Type.String()), scoresDrifted: Type.Boolean() }),
});
export type RecordedRun = Static<typeof RecordedRunSchema>;

export interface MonitorHistory {
  record(run: MonitorRun): Promise<void>;
  /** Every recorded run, oldest first. */
  list(): Promise<RecordedRun[]>;
}

let checker: ReturnType<typeof TypeCompiler.Compile<typeof RecordedRunSchema>> | null = null;

/** A run's file name: its time (sortable, without colons) and the model's hash prefix. */
function runFileName(run: MonitorRun): string {
  return `${run.at.replace(/[:.]/g, '-')}-${run.model.hash.slice(0, 12)}.json`;
}

export function directoryHistory(dir: string): MonitorHistory {
  return {
    async record(run) {
      try {
        await mkdir(dir, { recursive: true });
      } catch (err) {
        throw systemError(dir, err);
      }
      await atomicWriteFile(join(dir, runFileName(run)), `${JSON.stringify(run, null, 2)}\n`);
    },
    async list() {
      const names = await readdir(dir).catch((err: unknown) => {
        throw systemError(dir, err);
      });
      checker ??= TypeCompiler.Compile(RecordedRunSchema);
      const runs: RecordedRun[] = [];
      for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
        const file = join(dir, name);
        let value: unknown;
        try {
          value = JSON.parse(await readFile(file, 'utf8'));
        } catch (err) {
          throw inputError('not a monitoring run (not valid JSON)', { file }, err);
        }
        if (!checker.Check(value)) {
          const first = checker.Errors(value).First();
          throw inputError(`not a monitoring run: ${first ? `${first.path || 'the file'} ${first.message.toLowerCase()}` : 'unexpected shape'}`, { file });
        }
        runs.push(value);
      }
      return runs.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    },
  };
}

function checkedRun(value: unknown, where: string): RecordedRun {
  checker ??= TypeCompiler.Compile(RecordedRunSchema);
  if (checker.Check(value)) return value;
  const first = checker.Errors(value).First();
  throw inputError(`not a monitoring run: ${first ? `${first.path || 'the run'} ${first.message.toLowerCase()}` : 'unexpected shape'}`, { file: where });
}

/**
 * Runs kept in the model store beside the model's versions: `ref` says which version a new run is
 * recorded against; the trend lists every run of the model, whichever version it monitored.
 */
export function storeHistory(store: ModelStore, name: string, ref?: StoreRef): MonitorHistory {
  return {
    async record(run) {
      if (ref === undefined) throw new Error('storeHistory: recording needs the version the run monitored');
      await store.recordMonitorRun(ref, run as unknown as Record<string, unknown>);
    },
    async list() {
      const runs = await store.monitorHistory(name);
      return runs.map((run) => checkedRun(run, `${store.location}/${name}`));
    },
  };
}
