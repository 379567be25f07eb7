/**
 * `rebuy export --format mlflow`: the bundle's model.onnx as an MLflow model folder (the ONNX flavor,
 * with a pyfunc), so that `mlflow.pyfunc.load_model(DIR).predict(df)` or `mlflow.pyfunc.spark_udf`
 * scores a DataFrame of raw customer columns without rebuy. model.onnx already takes one input per
 * raw column and has one output, `probability`: MLflow's ONNX pyfunc feeds each DataFrame column to
 * the input of its name and returns a DataFrame of that one column, the probability of buying again.
 * The files are written as MLflow writes them (MLmodel, conda.yaml, python_env.yaml, requirements.txt).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadBundle } from '../bundle/load.js';
import { ONNX_FILE } from '../bundle/layout.js';
import { rawColumns } from '../prep/features.js';
import { usageError } from '../errors.js';
import { checkReplaceableDirectory, replaceDirectory } from '../data/fs.js';

export const EXPORT_FORMATS = ['mlflow'] as const;

/**
 * The MLflow, ONNX and onnxruntime versions the export is tested with (the project's Python
 * environment pins the same: scripts/python-requirements.txt), written as the folder's requirements.
 */
export const MLFLOW_ENVIRONMENT = { python: '3.11', mlflow: '3.17.2', onnx: '1.19.1', onnxruntime: '1.23.2' } as const;

export interface ExportOptions {
  model: string;
  format: string;
  out: string;
}

export interface ExportSummary {
  format: 'mlflow';
  out: string;
  /** The signature's inputs: the raw columns, as MLflow types. */
  inputs: { name: string; type: 'double' | 'string' }[];
  output: string;
}

/** What an MLflow model folder of rebuy's holds: replaced by a new export, never anything else. */
const MLFLOW_FILES = ['MLmodel', ONNX_FILE, 'conda.yaml', 'python_env.yaml', 'requirements.txt'];

export async function exportModel(options: ExportOptions): Promise<ExportSummary> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(options.format)) {
    throw usageError(`--format: expected one of ${EXPORT_FORMATS.join(', ')}, got ${JSON.stringify(options.format)}`);
  }
  const target = await checkReplaceableDirectory(options.out, 'an MLflow model folder', (names) => names.includes('MLmodel') && names.every((n) => MLFLOW_FILES.includes(n)));
  const bundle = await loadBundle(options.model);
  const onnx = await bundle.readVerified(ONNX_FILE);
  const raw = rawColumns(bundle.manifest.features);
  // In the order of model.onnx's inputs: numeric columns (float64), then categorical ones (strings).
  const inputs = [
    ...raw.numeric.map((name) => ({ name, type: 'double' as const })),
    ...raw.categorical.map((name) => ({ name, type: 'string' as const })),
  ];
  const files = new Map<string, string | Uint8Array>([
    [ONNX_FILE, onnx],
    ['conda.yaml', condaYaml()],
    ['python_env.yaml', pythonEnvYaml()],
    ['requirements.txt', requirementsTxt()],
  ]);
  const size = [...files.values()].reduce((sum, data) => sum + Buffer.byteLength(data), 0);
  files.set('MLmodel', mlmodelYaml(inputs, size));
  await replaceDirectory(options.out, target, async (tmp) => {
    await mkdir(tmp);
    for (const [name, data] of files) await writeFile(join(tmp, name), data, { flag: 'wx' });
  });
  return { format: 'mlflow', out: target, inputs, output: 'probability' };
}

/** A text as a YAML single-quoted scalar. */
function yamlQuoted(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function mlmodelYaml(inputs: ExportSummary['inputs'], size: number): string {
  const signatureInputs = JSON.stringify(inputs.map(({ name, type }) => ({ type, name, required: true })));
  const signatureOutputs = JSON.stringify([{ type: 'float', name: 'probability', required: true }]);
  const created = new Date().toISOString().replace('T', ' ').replace('Z', '000');
  return [
    'flavors:',
    '  onnx:',
    '    code: null',
    `    data: ${ONNX_FILE}`,
    '    onnx_session_options: null',
    `    onnx_version: ${MLFLOW_ENVIRONMENT.onnx}`,
    '    providers:',
    '    - CPUExecutionProvider',
    '  python_function:',
    `    data: ${ONNX_FILE}`,
    '    env:',
    '      conda: conda.yaml',
    '      virtualenv: python_env.yaml',
    '    loader_module: mlflow.onnx',
    `    python_version: ${yamlQuoted(MLFLOW_ENVIRONMENT.python)}`,
    'is_signature_from_type_hint: false',
    `mlflow_version: ${MLFLOW_ENVIRONMENT.mlflow}`,
    'model_id: null',
    `model_size_bytes: ${size}`,
    `model_uuid: ${randomBytes(16).toString('hex')}`,
    'prompts: null',
    'signature:',
    `  inputs: ${yamlQuoted(signatureInputs)}`,
    `  outputs: ${yamlQuoted(signatureOutputs)}`,
    '  params: null',
    'type_hint_from_example: false',
    `utc_time_created: ${yamlQuoted(created)}`,
    '',
  ].join('\n');
}

function requirementsList(): string[] {
  return [`mlflow==${MLFLOW_ENVIRONMENT.mlflow}`, `onnx==${MLFLOW_ENVIRONMENT.onnx}`, `onnxruntime==${MLFLOW_ENVIRONMENT.onnxruntime}`];
}

function requirementsTxt(): string {
  return `${requirementsList().join('\n')}\n`;
}

function condaYaml(): string {
  return ['channels:', '- conda-forge', 'dependencies:', `- python=${MLFLOW_ENVIRONMENT.python}`, '- pip', '- pip:', ...requirementsList().map((r) => `  - ${r}`), 'name: mlflow-env', ''].join('\n');
}

function pythonEnvYaml(): string {
  return [`python: ${yamlQuoted(MLFLOW_ENVIRONMENT.python)}`, 'build_dependencies:', '- pip', '- setuptools', '- wheel', 'dependencies:', '- -r requirements.txt', ''].join('\n');
}
