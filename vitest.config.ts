import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Node resolves 'graphql' to its CommonJS build (graphql 16 has no exports map), and so do
    // type-graphql and Apollo; Vite would pick the ESM build for our sources, and two copies of
    // graphql fail each other's instanceof checks. Resolve it as Node does.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Tests run against real DuckDB files and real HTTP servers; forks keep each file's native
    // handles (DuckDB, onnxruntime) in their own process.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // A test that cannot run here is skipped with its reason, and the reasons are listed at the end.
    reporters: ['default', './test/helpers/skipReporter.ts'],
  },
});
