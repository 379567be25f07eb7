// The parts of TypeBox rebuy uses, bundled into one file at build time (dist/vendor/typebox.mjs):
// TypeBox ships as many small ES modules, and loading them one by one slows the start of every
// command that reads a bundle.
export * from '@sinclair/typebox';
export { Errors as ValueErrors } from '@sinclair/typebox/errors';
export { TypeCompiler } from '@sinclair/typebox/compiler';
export { Check as ValueCheck, HasTransform, TransformDecode, TransformDecodeCheckError, TransformEncode, TransformEncodeCheckError } from '@sinclair/typebox/value';
