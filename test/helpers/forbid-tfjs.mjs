// Loaded with `node --import`: any attempt to load TensorFlow.js fails the process.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@tensorflow/')) throw new Error('TF.js was loaded: ' + specifier);
  return next(specifier, context);
}`),
);
