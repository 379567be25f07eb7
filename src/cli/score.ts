import { loadPredictor } from '../predict/predictor.js';
import { scoreFile } from '../predict/score-file.js';
import { explainerFor } from '../explain/explainer.js';
import { resolveOutputFile, STDOUT } from '../data/fs.js';

export interface ScoreFlags {
  model: string;
  in: string;
  out: string;
  reasons?: number;
  json?: boolean;
}

export async function runScore(flags: ScoreFlags): Promise<void> {
  const toStdout = flags.out === STDOUT;
  // A bad --out is said before the work, not after it.
  if (!toStdout) await resolveOutputFile(flags.out);
  // With the scores on standard output, what the command says goes to stderr.
  const say = (text: string): boolean => (toStdout ? process.stderr : process.stdout).write(text);
  const predictor = await loadPredictor(flags.model, { threads: 2 });
  try {
    const interactive = process.stderr.isTTY && !flags.json;
    const summary = await scoreFile(predictor, flags.in, flags.out, {
      reasons: flags.reasons,
      explain: explainerFor(predictor).reasonTexts,
      onProgress: interactive ? (rows) => process.stderr.write(`\rscored ${rows.toLocaleString('en')} customers`) : undefined,
    });
    if (interactive) process.stderr.write('\n');
    if (flags.json) {
      say(`${JSON.stringify({ ...summary, model: flags.model, threshold: predictor.threshold }, null, 2)}\n`);
    } else {
      say(
        `scored ${summary.rows} customers in ${summary.seconds.toFixed(2)} s → ${toStdout ? 'standard output' : summary.output}\n` +
          `columns: id, probability (of buying again), label (1 when probability ≥ ${predictor.threshold.toFixed(4)}), rank (1 = most likely)${flags.reasons ? `, reason_1…reason_${flags.reasons}` : ''}\n`,
      );
    }
  } finally {
    await predictor.close();
  }
}
