export * from '@sinclair/typebox';
export { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
export { TransformDecodeCheckError, TransformEncodeCheckError } from '@sinclair/typebox/value';
export type { ValueError } from '@sinclair/typebox/errors';
