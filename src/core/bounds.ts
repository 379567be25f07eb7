/** Model inputs are float32: a magnitude of 2^128 − 2^103 or more rounds to infinity (and the score to NaN). */
export const FLOAT32_OVERFLOW = 2 ** 128 - 2 ** 103;
