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

/**
 * Size caps for reading a bundle: a manifest is a few hundred kilobytes and a model file a few
 * megabytes, so these leave room for large networks while a crafted bundle cannot exhaust memory.
 */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/** The hash file is one line: 64 hex digits, two spaces, the manifest's name, a newline. */
export const MAX_MANIFEST_HASH_BYTES = 1024;
export const MAX_BUNDLE_FILE_BYTES = 256 * 1024 * 1024;
export const MAX_BUNDLE_BYTES = 1024 * 1024 * 1024;
/** The one line manifest.sha256 holds, exactly as saveBundle writes it. */
export function manifestHashLine(hash: string): string {
  return `${hash}  ${MANIFEST_FILE}\n`;
}
/** The training profile `monitor` compares new lists with (optional: bundles saved before it have none). */
export const PROFILE_FILE = 'profile.json';
