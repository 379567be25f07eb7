import { evaluateBundle } from '../app/evaluate.js';
import { formatConfusion, formatMetricsTable } from './format.js';

export interface EvaluateFlags {
  model: string;
  data: string;
  seed: number;
  json?: boolean;
}

export async function runEvaluate(flags: EvaluateFlags): Promise<void> {
  const result = await evaluateBundle(flags);
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
