// The parts of TypeBox rebuy uses, bundled into one file at build time (dist/vendor/typebox.mjs):
// TypeBox ships as some 250 small ES modules, and loading them was most of a scoring command's start.
export * from '@sinclair/typebox';
export { TypeCompiler } from '@sinclair/typebox/compiler';
export { TransformDecodeCheckError, TransformEncodeCheckError } from '@sinclair/typebox/value';
