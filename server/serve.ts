import { existsSync } from 'node:fs';
import { progressBars } from './progress.js';
import { Warehouse } from '../warehouse/Warehouse.js';
import { RedisExecutor } from '../services/jobs/RedisExecutor.js';
import { Scheduler } from '../services/jobs/Scheduler.js';
import { startServer } from './app.js';
import type { ServerConfig } from './config.js';
import { ensureDemoWarehouse } from './demo.js';
import { mountStatic } from './staticRoutes.js';
import { createLogger } from './observability.js';

/**
 * Opens the warehouse (building the demo on first run), serves, and on SIGINT/SIGTERM stops
 * accepting requests, lets in-flight ones (and the computations they run) finish, then closes
 * the warehouse so nothing is left half-written. Running jobs are checkpointed (requeued, having
 * written nothing) and resume at the next start.
 */
export async function serve(config: ServerConfig): Promise<void> {
  const logger = createLogger();
  if (config.demo) {
    if (!existsSync(config.db)) console.log(`first run: building the demo warehouse at ${config.db} (Pythia evals + the simulated study through the full pipeline; 2–3 minutes)…`);
    const bars = progressBars();
    const built = await ensureDemoWarehouse(config.db, bars.update).finally(bars.stop);
    if (built) console.log(`built the demo warehouse at ${config.db}`);
  }
  const wh = await Warehouse.create({ path: config.db });
  // With Redis, `cortexql worker` processes compute the jobs and this server writes their results.
  const executor = config.redisUrl ? await RedisExecutor.connect(config.redisUrl, { log: (e) => logger.warn({ err: e }, 'redis') }) : undefined;
  const scheduler = new Scheduler(wh, { executor });
  if (config.redisUrl) logger.info({ redis: redactUrl(config.redisUrl) }, 'jobs go to the Redis queue for cortexql workers');
  const resumed = await scheduler.resume();
  if (resumed) logger.info({ jobs: resumed }, 'resumed unfinished jobs');
  const server = await startServer(wh, { ...config, logger, mount: mountStatic, scheduler });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests, checkpointing running jobs');
    await server.close(30_000);
    await scheduler.close();
    wh.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const access = config.auth.anonymousRole ? `anonymous ${config.auth.anonymousRole} access on` : 'API key required';
  console.log(`cortexql ready at ${server.url} (GraphiQL in a browser; API at ${server.endpoint}; ${access})`);
}

/** The URL without its password, for logs. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.href;
  } catch {
    return 'redis (unparsable URL)';
  }
}
