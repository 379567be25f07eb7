// Loaded with `node --import`: loading TensorFlow.js or the ONNX builder's protobuf code fails the
// process. Scoring needs neither, and each would slow the start of every `rebuy score`.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@tensorflow/')) throw new Error('TF.js was loaded: ' + specifier);
  if (specifier === 'onnx-proto') throw new Error('the ONNX builder was loaded: ' + specifier);
  return next(specifier, context);
}`),
);
