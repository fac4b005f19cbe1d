import { progressBars } from './progress.js';
import { publishWhenChanged, watchPublished } from '../warehouse/publish.js';
import { Warehouse } from '../warehouse/Warehouse.js';
import { RedisExecutor } from '../services/jobs/RedisExecutor.js';
import { Scheduler } from '../services/jobs/Scheduler.js';
import { startServer } from './app.js';
import type { ServerConfig } from './config.js';
import { DEMO_PYTHIA_EVALS, DemoStudyBuild, demoStudyPending, markDemoStudyPending } from './demo.js';
import { importDemoEvals } from '../services/demo.js';
import { mountStatic } from './staticRoutes.js';
import { createLogger } from './observability.js';
import type { Logger } from 'pino';
import { closeCpuPool } from '../services/cpu/CpuPool.js';
import { removeServerFile, writeServerFile } from '../services/serverFile.js';

/** How long in-flight requests get to finish after SIGINT/SIGTERM before their connections are closed. */
const DRAIN_MS = 30_000;

/**
 * Opens the warehouse (building the demo on first run), serves, and on SIGINT/SIGTERM shuts down
 * for real (Apollo's own signal handler is off, server/app.ts): stops accepting connections, lets
 * in-flight requests finish (up to DRAIN_MS), stops running jobs and puts them back to QUEUED
 * (they wrote nothing: results are written in one transaction; the interrupted attempt is not
 * counted), checkpoints the WAL into the database file, closes the warehouse and exits 0. A
 * second signal while draining exits at once (1).
 */
export async function serve(config: ServerConfig): Promise<void> {
  const logger = createLogger();
  // A first start imports the Pythia evals (seconds), serves them, and builds the simulated study
  // in the background (minutes; progress at /healthz); a start after an interrupted one resumes it.
  const serving = config.warehouse;
  const studyPending = config.demo && !serving.readOnly && serving.parquet === null && demoStudyPending(config.db);
  const wh = await Warehouse.create({
    path: serving.parquet ?? config.db, readOnly: serving.readOnly, parquet: serving.parquet !== null,
    readers: serving.readers, cacheEntries: serving.cacheEntries, memoryLimit: serving.memoryLimit ?? undefined,
  });
  if (studyPending) {
    markDemoStudyPending(config.db);
    console.log(`building the demo warehouse at ${config.db}: the Pythia evals now, the simulated study in the background once the server is listening (progress at /healthz)`);
    const bars = progressBars();
    await importDemoEvals(wh, { pythiaEvals: DEMO_PYTHIA_EVALS, onProgress: bars.update }).finally(bars.stop);
  }
  let demo: DemoStudyBuild | null = null;
  // A replica computes nothing (it cannot write): missing cells stay MISSING there.
  const scheduler = wh.readOnly ? undefined : await startScheduler(wh, config, logger);
  const replica = serving.readOnly
    ? watchPublished(wh, serving.watchIntervalMs, (e) => (e.error ? logger.warn({ err: e.error }, 'could not reopen the published warehouse; serving the previous version') : logger.info('reopened the published warehouse')))
    : null;
  const publisher = serving.publish
    ? publishWhenChanged(wh, serving.publish, serving.publishEverySeconds * 1000, (e) => (e.error ? logger.error({ err: e.error }, 'publishing failed') : logger.info({ bytes: e.bytes, ms: Math.round(e.ms ?? 0) }, 'published the warehouse')))
    : null;
  await publisher?.done;
  const server = await startServer(wh, { ...config, logger, mount: mountStatic, scheduler, health: () => (demo ? { demo: demo.current() } : {}) });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal while shutting down: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests, requeueing running jobs');
    try {
      // Running jobs are stopped at once (requeued, resumed at the next start); requests get DRAIN_MS.
      await Promise.all([server.close(DRAIN_MS), scheduler?.close(), demo?.stop()]);
      replica?.stop();
      publisher?.stop();
      await closeCpuPool();
      if (!wh.readOnly) await wh.checkpoint();
      await wh.close();
      removeServerFile(config.db);
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // CLI commands that find the warehouse held by this process go through this URL (cli/warehouseCommand.ts).
  if (!wh.readOnly) writeServerFile(config.db, server.url);
  const access = config.auth.anonymousRole ? `anonymous ${config.auth.anonymousRole} access on` : 'API key required';
  const mode = serving.parquet ? '; read-only, from a Parquet export' : serving.readOnly ? '; read-only replica of the published file' : '';
  console.log(`cortexql ready at ${server.url} (GraphiQL in a browser; API at ${server.endpoint}; ${access}${mode})`);
  if (studyPending) {
    demo = new DemoStudyBuild(wh, config.db, logger);
    console.log(`serving the Pythia evals; the simulated study (sim-tinygpt, sim-narratives) is building: ${server.url}healthz shows how far`);
  }
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
