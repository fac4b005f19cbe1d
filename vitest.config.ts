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
    // The simulated study and the Pythia warehouse, made once (and cached by source hash).
    globalSetup: ['./test/globalSetup.ts'],
    // Test files run in parallel forks, and the servers and workers they start run beside them:
    // one BLAS and one GEMM thread each, instead of every process spinning a thread per core on
    // the same cores (ridge fits ran 3–5× slower on a busy 2-core machine).
    env: { OPENBLAS_NUM_THREADS: '1', CORTEXQL_GEMM_THREADS: '1' },
    // Two files at a time even on 2 cores (vitest's default there is one): much of a file's time
    // is spent waiting on the servers, workers, browsers and Python it starts.
    maxWorkers: 2,
    // Tests run against real DuckDB files and real HTTP servers; forks keep each file's native
    // handles (DuckDB, onnxruntime) in their own process.
    pool: 'forks',
    // …but one process per worker for all its files, not one per file: importing the server's
    // modules (type-graphql, Apollo, DuckDB, onnxruntime) anew for each of 113 files cost ~55 s of
    // a 2-core run. Every file opens its own warehouse, server and metrics registry; what files share
    // is process-wide caches (the built schema, the CPU pool, loaded libraries). The suite passes
    // with the files in shuffled order (--sequence.shuffle.files).
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // A test that cannot run here is skipped with its reason, and the reasons are listed at the end.
    reporters: ['default', './test/helpers/skipReporter.ts'],
  },
});
