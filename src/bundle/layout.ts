/** File names inside a model bundle directory. */
export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_HASH_FILE = 'manifest.sha256';
export const ONNX_FILE = 'model.onnx';
export const TFJS_TOPOLOGY_FILE = 'tfjs-model.json';
export const TFJS_WEIGHTS_FILE = 'tfjs-weights.bin';
export const REPORT_FILE = 'report.html';
export const EVALUATION_FILE = 'evaluation.json';
export const BASELINE_ONNX_FILE = 'baseline.onnx';
export const BACKGROUND_FILE = 'background.json';
/** Where an interrupted save leaves the previous bundle. */
export const PREVIOUS_SUFFIX = '.previous';
