import { exportModel } from '../app/export.js';

export interface ExportFlags {
  model: string;
  format: string;
  out: string;
  json?: boolean;
}

export async function runExport(flags: ExportFlags): Promise<void> {
  const summary = await exportModel(flags);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `exported ${flags.model} as an MLflow model (ONNX flavor) → ${summary.out}\n` +
      `pyfunc predict(DataFrame of ${summary.inputs.map((i) => i.name).join(', ')}) returns the column ${summary.output} (of buying again)\n`,
  );
}
