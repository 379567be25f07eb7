import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests run the sources: TypeBox and DuckDB's API from their own modules, not the bundles the build
  // makes for dist/ (DuckDB's is required, so it is chosen by the package.json `imports` condition).
  resolve: { alias: { '#typebox': fileURLToPath(new URL('./build/typebox.mjs', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // expect.poll waits for a state: how long the machine takes to reach it is not what a test checks.
    expect: { poll: { timeout: 60_000 } },
    pool: 'forks',
    execArgv: ['--conditions=rebuy-sources'],
    globalSetup: ['test/adversarial/private-tmp.setup.ts', 'test/global-setup.ts', 'test/helpers/postgres-setup.ts', 'test/helpers/python-env.setup.ts'],
    // onnxruntime's telemetry off in every worker and every process a test starts (rebuy's own code
    // turns it off too; this covers tests that load onnxruntime directly).
    env: { ORT_DISABLE_TELEMETRY: '1' },
  },
});
