import { join } from 'node:path';
import type { ApiLimits } from '../../resolvers/context.js';
import { startServer, type RunningServer } from '../../server/app.js';
import { localAuth, type AuthConfig } from '../../server/auth.js';
import { Scheduler } from '../../services/jobs/Scheduler.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { cachedPythiaWarehouse, copyWarehouse } from './fixtures.js';
import { tempDir } from './tmp.js';

export const TEST_LIMITS: ApiLimits = { maxPageSize: 500, maxDepth: 12, maxCost: 200_000 };

export interface TestServer {
  readonly wh: Warehouse;
  readonly server: RunningServer;
  readonly scheduler: Scheduler | undefined;
  /** The folder `POST /uploads` stages files in. */
  readonly uploadDir: string;
  /** POSTs a file to /uploads (`name` in the query) and returns the parsed body and HTTP status. */
  upload(name: string, bytes: Uint8Array | string, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  /** POSTs a GraphQL request and returns the parsed body and HTTP status. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; body: { data?: T; errors?: any[] } }>;
  close(): Promise<void>;
}

/**
 * A real HTTP server on an ephemeral port over a real DuckDB file: a copy of `db`, or by default
 * of the warehouse holding the shipped Pythia evals (imported once per fixture key, see
 * fixtures.ts), or an empty one (`withPythia: false`).
 */
export async function startTestServer(
  options: {
    limits?: Partial<ApiLimits>; withPythia?: boolean; db?: string; auth?: AuthConfig; scheduler?: boolean; redisUrl?: string; corsOrigins?: string[];
    /** Folders mutations may read by path (default none: paths are refused, as on a fresh server). */
    importRoots?: readonly string[];
    maxUploadBytes?: number;
    /** Expensive queries executing at once, and waiting (server defaults otherwise). */
    heavy?: { readonly concurrency: number; readonly queue: number };
  } = {},
): Promise<TestServer> {
  const tmp = tempDir();
  const template = options.db ?? ((options.withPythia ?? true) ? await cachedPythiaWarehouse() : null);
  const wh = await Warehouse.create({ path: template ? copyWarehouse(template, tmp.dir) : join(tmp.dir, 'test.duckdb') });
  // Internal errors are expected in some tests; set CORTEXQL_TEST_LOG=1 to see them.
  const log = process.env.CORTEXQL_TEST_LOG ? console.error : () => {};
  const limits = { ...TEST_LIMITS, ...options.limits };
  // Anonymous admin by default: suites other than the auth matrix test what the API does, not who may do it.
  const auth = options.auth ?? localAuth('admin', limits.maxCost);
  // With `redisUrl`, jobs go to BullMQ for `cortexql worker` processes instead of worker threads.
  // (BullMQ and ioredis are loaded only by the files that use them.)
  const executor = options.redisUrl ? await (await import('../../services/jobs/RedisExecutor.js')).RedisExecutor.connect(options.redisUrl, { log }) : undefined;
  const scheduler = options.scheduler ? new Scheduler(wh, { workers: 1, executor }) : undefined;
  const uploadDir = join(tmp.dir, 'uploads');
  const server = await startServer(wh, {
    host: '127.0.0.1', port: 0, limits, auth, log, exportDir: join(tmp.dir, 'exports'), scheduler, corsOrigins: options.corsOrigins,
    importRoots: options.importRoots, heavyConcurrency: options.heavy?.concurrency, heavyQueue: options.heavy?.queue, uploads: { dir: uploadDir, maxBytes: options.maxUploadBytes ?? 64 * 2 ** 20, ttlMs: 3_600_000 },
  });
  return {
    wh,
    server,
    uploadDir,
    async upload(name, bytes, headers = {}) {
      const res = await fetch(new URL(`/uploads?name=${encodeURIComponent(name)}`, server.url), {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', ...headers },
        body: typeof bytes === 'string' ? bytes : Buffer.from(bytes),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async gql(query, variables, headers = {}) {
      const res = await fetch(server.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
    },
    scheduler,
    async close() {
      await scheduler?.close();
      await server.close();
      await wh.close();
      tmp.cleanup();
    },
  };
}
