// Loaded with `node --import`: loading TensorFlow.js or the ONNX builder's protobuf code fails the
// process. Scoring needs neither, and each would slow the start of every `rebuy score`.
import Module, { register } from 'node:module';

function refuse(specifier) {
  if (specifier.startsWith('@tensorflow/')) throw new Error('TF.js was loaded: ' + specifier);
  if (specifier === 'onnx-proto') throw new Error('the ONNX builder was loaded: ' + specifier);
}

register(
  'data:text/javascript,' +
    encodeURIComponent(`${refuse}
export async function resolve(specifier, context, next) {
  refuse(specifier);
  return next(specifier, context);
}`),
);

// The CLI loads these CommonJS packages with require(), which the resolve hook does not see.
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  refuse(request);
  return resolveFilename.call(this, request, ...rest);
};
