/**
 * Process-wide defaults of a cortexql server or CLI, imported before anything else (ESM runs
 * imports in order, so these are set before graphql and libuv read them).
 *
 * - NODE_ENV=production unless set: graphql-js otherwise checks every failed `instanceof` for
 *   a second copy of itself (~4% of serving a large response), and Express caches more.
 * - UV_THREADPOOL_SIZE: DuckDB queries run on Node's libuv pool (4 threads by default), so
 *   more reader connections than that would queue there; size it for the readers
 *   (`--readers` or CORTEXQL_READERS, default one per CPU) plus the writer and file I/O.
 *
 * One V8 flag cannot be set from here (V8 sizes its heap before any code runs), so the entry
 * points pass it on their command line (`npm start`, and the shebangs of dist/server/main.js and
 * dist/cli/main.js): --max-semi-space-size=64. A 64 MB young generation instead of 16 MB makes
 * scavenges four times rarer when large answers are being built; with 10 worst-case clients
 * (bench:hostile) the server's longest main-thread stall fell from 30 to 18 ms of CPU and its
 * GC pauses over 20 ms from 28 to 17 in 8 s.
 */
import { availableParallelism } from 'node:os';

process.env.NODE_ENV ??= 'production';

function readersFromArgs(argv: readonly string[]): number | undefined {
  const i = argv.findIndex((a) => a === '--readers' || a.startsWith('--readers='));
  if (i < 0) return undefined;
  const value = argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

const readers = readersFromArgs(process.argv) ?? (Number(process.env.CORTEXQL_READERS) || Math.max(2, availableParallelism()));
process.env.UV_THREADPOOL_SIZE ??= String(Math.min(1024, Math.max(4, readers + 4)));
