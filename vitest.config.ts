import { defineConfig } from 'vitest/config';

// Tests run against real DuckDB files and real HTTP servers; forks keep each file's native
// handles (DuckDB, onnxruntime) in their own process.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
