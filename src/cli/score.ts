import { loadPredictor } from '../predict/predictor.js';
import { scoreFile } from '../predict/score-file.js';
import { explainerFor } from '../explain/explainer.js';

export interface ScoreFlags {
  model: string;
  in: string;
  out: string;
  reasons?: number;
  json?: boolean;
  delimiter?: string;
  decimal?: string;
}

export async function runScore(flags: ScoreFlags): Promise<void> {
  const predictor = await loadPredictor(flags.model, { threads: 2 });
  try {
    const interactive = process.stderr.isTTY && !flags.json;
    const summary = await scoreFile(predictor, flags.in, flags.out, {
      reasons: flags.reasons,
      dialect: { delimiter: flags.delimiter, decimal: flags.decimal },
      explain: explainerFor(predictor).reasonTexts,
      onProgress: interactive ? (rows) => process.stderr.write(`\rscored ${rows.toLocaleString('en')} customers`) : undefined,
    });
    if (interactive) process.stderr.write('\n');
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ ...summary, model: flags.model, threshold: predictor.threshold }, null, 2)}\n`);
    } else {
      process.stdout.write(
        `scored ${summary.rows} customers in ${summary.seconds.toFixed(2)} s → ${summary.output}\n` +
          `columns: id, probability (of buying again), label (1 when probability ≥ ${predictor.threshold.toFixed(4)}), rank (1 = most likely)${flags.reasons ? `, reason_1…reason_${flags.reasons}` : ''}\n`,
      );
    }
  } finally {
    await predictor.close();
  }
}
