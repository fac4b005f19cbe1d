import { existsSync } from 'node:fs';
import { progressBars } from '../cli/progress.js';
import { publishWhenChanged, watchPublished } from '../warehouse/publish.js';
import { Warehouse } from '../warehouse/Warehouse.js';
import { RedisExecutor } from '../services/jobs/RedisExecutor.js';
import { Scheduler } from '../services/jobs/Scheduler.js';
import { startServer } from './app.js';
import type { ServerConfig } from './config.js';
import { ensureDemoWarehouse } from './demo.js';
import { mountStatic } from './staticRoutes.js';
import { createLogger } from './observability.js';
import type { Logger } from 'pino';

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
  const serving = config.warehouse;
  const wh = await Warehouse.create({
    path: serving.parquet ?? config.db, readOnly: serving.readOnly, parquet: serving.parquet !== null,
    readers: serving.readers, cacheEntries: serving.cacheEntries, memoryLimit: serving.memoryLimit ?? undefined,
  });
  // A replica computes nothing (it cannot write): missing cells stay MISSING there.
  const scheduler = wh.readOnly ? undefined : await startScheduler(wh, config, logger);
  const replica = serving.readOnly
    ? watchPublished(wh, serving.watchIntervalMs, (e) => (e.error ? logger.warn({ err: e.error }, 'could not reopen the published warehouse; serving the previous version') : logger.info('reopened the published warehouse')))
    : null;
  const publisher = serving.publish
    ? publishWhenChanged(wh, serving.publish, serving.publishEverySeconds * 1000, (e) => (e.error ? logger.error({ err: e.error }, 'publishing failed') : logger.info({ bytes: e.bytes, ms: Math.round(e.ms ?? 0) }, 'published the warehouse')))
    : null;
  await publisher?.done;
  const server = await startServer(wh, { ...config, logger, mount: mountStatic, scheduler });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests, checkpointing running jobs');
    await server.close(30_000);
    replica?.stop();
    publisher?.stop();
    await scheduler?.close();
    wh.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  const access = config.auth.anonymousRole ? `anonymous ${config.auth.anonymousRole} access on` : 'API key required';
  const mode = serving.parquet ? '; read-only, from a Parquet export' : serving.readOnly ? '; read-only replica of the published file' : '';
  console.log(`cortexql ready at ${server.url} (GraphiQL in a browser; API at ${server.endpoint}; ${access}${mode})`);
}

async function startScheduler(wh: Warehouse, config: ServerConfig, logger: Logger): Promise<Scheduler> {
  // With Redis, `cortexql worker` processes compute the jobs and this server writes their results.
  const executor = config.redisUrl ? await RedisExecutor.connect(config.redisUrl, { log: (e) => logger.warn({ err: e }, 'redis') }) : undefined;
  const scheduler = new Scheduler(wh, { executor });
  if (config.redisUrl) logger.info({ redis: redactUrl(config.redisUrl) }, 'jobs go to the Redis queue for cortexql workers');
  const resumed = await scheduler.resume();
  if (resumed) logger.info({ jobs: resumed }, 'resumed unfinished jobs');
  return scheduler;
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
