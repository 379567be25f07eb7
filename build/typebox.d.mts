export * from '@sinclair/typebox';
export { Errors as ValueErrors } from '@sinclair/typebox/errors';
export { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
export { Check as ValueCheck, HasTransform, TransformDecode, TransformDecodeCheckError, TransformEncode, TransformEncodeCheckError } from '@sinclair/typebox/value';
export type { ValueError } from '@sinclair/typebox/errors';
