import { join } from 'node:path';
import type { ApiLimits } from '../../resolvers/context.js';
import { startServer, type RunningServer } from '../../server/app.js';
import { localAuth, type AuthConfig } from '../../server/auth.js';
import { importEvalsFromPath } from '../../services/importEvals.js';
import { RedisExecutor } from '../../services/jobs/RedisExecutor.js';
import { Scheduler } from '../../services/jobs/Scheduler.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { PYTHIA_EVALS } from './pythiaFiles.js';
import { tempDir } from './tmp.js';

export const TEST_LIMITS: ApiLimits = { maxPageSize: 500, maxDepth: 12, maxCost: 200_000 };

export interface TestServer {
  readonly wh: Warehouse;
  readonly server: RunningServer;
  readonly scheduler: Scheduler | undefined;
  /** POSTs a GraphQL request and returns the parsed body and HTTP status. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; body: { data?: T; errors?: any[] } }>;
  close(): Promise<void>;
}

/** A real HTTP server on an ephemeral port over a real DuckDB file holding the shipped Pythia evals. */
export async function startTestServer(
  options: { limits?: Partial<ApiLimits>; withPythia?: boolean; auth?: AuthConfig; scheduler?: boolean; redisUrl?: string; corsOrigins?: string[] } = {},
): Promise<TestServer> {
  const tmp = tempDir();
  const wh = await Warehouse.create({ path: join(tmp.dir, 'test.duckdb') });
  if (options.withPythia ?? true) await importEvalsFromPath(wh, PYTHIA_EVALS);
  // Internal errors are expected in some tests; set CORTEXQL_TEST_LOG=1 to see them.
  const log = process.env.CORTEXQL_TEST_LOG ? console.error : () => {};
  const limits = { ...TEST_LIMITS, ...options.limits };
  // Anonymous admin by default: suites other than the auth matrix test what the API does, not who may do it.
  const auth = options.auth ?? localAuth('admin', limits.maxCost);
  // With `redisUrl`, jobs go to BullMQ for `cortexql worker` processes instead of worker threads.
  const executor = options.redisUrl ? await RedisExecutor.connect(options.redisUrl, { log }) : undefined;
  const scheduler = options.scheduler ? new Scheduler(wh, { workers: 1, executor }) : undefined;
  const server = await startServer(wh, { host: '127.0.0.1', port: 0, limits, auth, log, exportDir: join(tmp.dir, 'exports'), scheduler, corsOrigins: options.corsOrigins });
  return {
    wh,
    server,
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
      wh.close();
      tmp.cleanup();
    },
  };
}
