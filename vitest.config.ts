import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests run the sources: TypeBox from its own modules, not the bundle the build makes for dist/.
  resolve: { alias: { '#typebox': fileURLToPath(new URL('./build/typebox.mjs', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/adversarial/private-tmp.setup.ts', 'test/global-setup.ts', 'test/helpers/python-env.setup.ts'],
    // onnxruntime's telemetry off in every worker and every process a test starts (rebuy's own code
    // turns it off too; this covers tests that load onnxruntime directly).
    env: { ORT_DISABLE_TELEMETRY: '1' },
  },
});
