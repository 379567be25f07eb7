import { evaluateBundle } from '../app/evaluate.js';
import { formatConfusion, formatMetricsTable } from './format.js';
import { resolveModelOption } from './options.js';

export interface EvaluateFlags {
  model: string;
  store?: string;
  data: string;
  seed: number;
  json?: boolean;
}

export async function runEvaluate(flags: EvaluateFlags): Promise<void> {
  const { dir } = await resolveModelOption(flags.model, flags.store);
  const result = { ...(await evaluateBundle({ ...flags, model: dir })), model: flags.model };
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    [
      `model ${result.model} on ${result.data} (threshold ${result.threshold})`,
      '',
      formatMetricsTable([
        { title: 'natural mix', metrics: result.natural },
        { title: 'balanced', metrics: result.balanced },
      ]),
      '',
      formatConfusion(result.natural, 'natural mix'),
      '',
    ].join('\n'),
  );
}
