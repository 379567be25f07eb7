const t0=performance.now();
const tf = await import('@tensorflow/tfjs');
const wasm = await import('@tensorflow/tfjs-backend-wasm');
console.log(Object.keys(wasm));
console.log(await tf.setBackend('wasm'));
await tf.ready();
console.log(tf.getBackend(), performance.now()-t0);
console.log(tf.env().getNumber?.('WASM_HAS_MULTITHREAD_SUPPORT'), tf.env().get('WASM_HAS_SIMD_SUPPORT'));
