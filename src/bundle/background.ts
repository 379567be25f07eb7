/** background.json: a small sample of training rows (feature values only: no IDs, no targets), for explanations. */
import { Type, type StaticDecode } from '#typebox';
import type { FeatureColumns } from '../core/table.js';
import { bundleError } from '../errors.js';
import { decodeBundleValue, encodeBundleJson, lazyChecker, parseBundleJson } from './format.js';
import { BACKGROUND_FILE } from './layout.js';
import type { LoadedBundle } from './load.js';

export const BackgroundSchema = Type.Object({
  nRows: Type.Integer({ minimum: 0 }),
  numeric: Type.Record(Type.String(), Type.Array(Type.Union([Type.Number(), Type.Null()])), { description: 'null = missing' }),
  categorical: Type.Record(Type.String(), Type.Array(Type.Union([Type.String(), Type.Null()]))),
});
export type BackgroundSample = StaticDecode<typeof BackgroundSchema>;

export const BACKGROUND_ROWS = 64;

const backgroundChecker = lazyChecker(BackgroundSchema);

export function toBackground(columns: FeatureColumns): BackgroundSample {
  const numeric: BackgroundSample['numeric'] = {};
  for (const [name, values] of columns.numeric) numeric[name] = Array.from(values, (v) => (Number.isNaN(v) ? null : v));
  const categorical: BackgroundSample['categorical'] = {};
  for (const [name, values] of columns.categorical) categorical[name] = Array.from(values);
  return { nRows: columns.nRows, numeric, categorical };
}

export function backgroundJson(sample: BackgroundSample): string {
  return encodeBundleJson(backgroundChecker(), BACKGROUND_FILE, sample);
}

export function fromBackground(sample: BackgroundSample): FeatureColumns {
  return {
    nRows: sample.nRows,
    numeric: new Map(Object.entries(sample.numeric).map(([k, v]) => [k, Float64Array.from(v, (x) => x ?? Number.NaN)])),
    categorical: new Map(Object.entries(sample.categorical)),
  };
}

/** The verified bundle's background.json, checked: every column as long as nRows. */
export async function readBackground(bundle: LoadedBundle): Promise<FeatureColumns> {
  if (!(BACKGROUND_FILE in bundle.manifest.files)) throw bundleError(bundle.dir, `has no ${BACKGROUND_FILE}: it cannot explain scores`);
  const text = (await bundle.readVerified(BACKGROUND_FILE)).toString('utf8');
  const sample = decodeBundleValue(backgroundChecker(), BACKGROUND_FILE, parseBundleJson(BACKGROUND_FILE, text, bundle.dir), bundle.dir);
  for (const [name, values] of [...Object.entries(sample.numeric), ...Object.entries(sample.categorical)]) {
    if (values.length !== sample.nRows) {
      throw bundleError(bundle.dir, `${BACKGROUND_FILE}: column ${name} has ${values.length} values but nRows is ${sample.nRows}`);
    }
  }
  return fromBackground(sample);
}
