import type { Command } from 'commander';
import { badInput } from '../errors/CortexError.js';
import { resolveConfig } from '../server/config.js';
import { int, withWarehouse } from './options.js';

/** `cortexql serve`, `publish` and `worker`: the API server (writer or replica), publishing for replicas, and a compute worker fed by Redis. */
export function serveCommands(program: Command): void {
  program
    .command('serve')
    .description('start the GraphQL server (builds the demo warehouse on first run when using the default path)')
    .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
    .option('--host <host>', 'listen address (env CORTEXQL_HOST, default 127.0.0.1)')
    .option('--port <port>', 'listen port (env CORTEXQL_PORT, default 4000)')
    .option('--max-cost <n>', 'query cost ceiling (env CORTEXQL_MAX_COST)')
    .option('--max-depth <n>', 'query depth ceiling (env CORTEXQL_MAX_DEPTH)')
    .option('--max-aliases <n>', 'aliases per operation, fragments expanded (env CORTEXQL_MAX_ALIASES, default 200)')
    .option('--max-tokens <n>', 'lexical tokens per document (env CORTEXQL_MAX_TOKENS, default 5000)')
    .option('--deadline <seconds>', 'work deadline of one request (env CORTEXQL_DEADLINE_SECONDS, default 30)')
    .option('--anonymous <role>', 'role of requests without a key: none, reader, writer, admin (env CORTEXQL_ANONYMOUS; demo: reader, else none)')
    .option(
      '--import-root <dir>',
      'a folder whose files mutations may read by path; repeatable (env CORTEXQL_IMPORT_ROOTS, folders separated by ":"; default none: clients upload files instead)',
      (dir: string, all: string[]) => [...all, dir],
      [],
    )
    .option('--compute-roles <list>', 'who may start computations of missing cells: none, or some of anonymous,reader,writer,admin (env CORTEXQL_COMPUTE_ROLES; demo: all, else reader,writer,admin)')
    .option('--cors-origin <origin>', 'a browser origin allowed to call the API, e.g. https://observablehq.com; repeatable, or * for any (env CORTEXQL_CORS_ORIGINS; default: none)', (v: string, all: string[] = []) => [...all, v])
    .option('--readers <n>', 'DuckDB reader connections (env CORTEXQL_READERS; default: one per CPU, at least 2)')
    .option('--cache-entries <n>', 'entries of the read-result cache, 0 = off (env CORTEXQL_CACHE_ENTRIES; default 256)')
    .option('--read-only', 'a read replica: open --db read-only and reopen it when a publisher replaces it (env CORTEXQL_READ_ONLY=1)')
    .option('--watch-interval <ms>', 'replica: how often to look for a new published file (env CORTEXQL_WATCH_INTERVAL, default 1000)')
    .option('--parquet <dir>', 'serve a Parquet export folder (cortexql export-parquet) read-only instead of --db (env CORTEXQL_PARQUET)')
    .option('--publish <file>', 'writer: publish the warehouse to this file for replicas, atomically, after changes (env CORTEXQL_PUBLISH)')
    .option('--publish-every <s>', 'writer: at most this often (env CORTEXQL_PUBLISH_EVERY, default 10)')
    .option('--memory-limit <size>', "DuckDB's memory limit, e.g. 2GB (env CORTEXQL_MEMORY_LIMIT, default 80% of RAM)")
    .action(async (opts) => {
      const { serve } = await import('../server/serve.js');
      await serve(resolveConfig(opts));
    });

  program
    .command('publish')
    .description('copy the warehouse atomically to a file that read replicas (cortexql serve --read-only) serve and reopen')
    .requiredOption('--to <file>', 'the published file')
    .option('--db <path>', 'warehouse file (env CORTEXQL_DB)')
    .action(async (opts) => {
      const r = await withWarehouse(opts.db, (wh) => wh.publish(opts.to));
      console.log(`published ${opts.to}: ${(r.bytes / 2 ** 20).toFixed(1)} MiB in ${(r.ms / 1000).toFixed(1)} s`);
    });

  program
    .command('worker')
    .description('compute jobs from the Redis queue (BullMQ) on this machine: inputs come from the server, results go back to it, and it writes them')
    .option('--redis <url>', 'Redis URL (env CORTEXQL_REDIS_URL or REDIS_URL)')
    .option('--server <url>', 'the cortexql server (env CORTEXQL_SERVER_URL, default http://127.0.0.1:4000/)')
    .option('--key <apiKey>', 'a writer or admin API key (env CORTEXQL_API_KEY)')
    .option('--concurrency <n>', 'jobs at once, each on its own thread (default 1)', int('concurrency'), 1)
    .option('--name <id>', 'recorded with each job it computes (default host:pid)')
    .option('--lock-seconds <n>', 'a dead worker\'s job is re-delivered after about this long (default 30)', int('lock seconds'), 30)
    .action(async (opts) => {
      const { startRemoteWorker } = await import('../services/jobs/remoteWorker.js');
      const redisUrl = opts.redis ?? process.env.CORTEXQL_REDIS_URL ?? process.env.REDIS_URL;
      if (!redisUrl) throw badInput('--redis (or CORTEXQL_REDIS_URL / REDIS_URL) is required');
      const serverUrl = opts.server ?? process.env.CORTEXQL_SERVER_URL ?? 'http://127.0.0.1:4000/';
      const worker = await startRemoteWorker({
        redisUrl, serverUrl, apiKey: opts.key ?? process.env.CORTEXQL_API_KEY ?? null,
        concurrency: Math.max(1, opts.concurrency), name: opts.name, lockMs: Math.max(1, opts.lockSeconds) * 1000,
      });
      console.log(`worker ${worker.name} ready: jobs from Redis, inputs and results through ${serverUrl}`);
      // First signal: finish the jobs in hand; second: leave now (BullMQ re-delivers them).
      let stopping = false;
      const stop = () => {
        if (stopping) process.exit(1);
        stopping = true;
        console.log(`worker ${worker.name}: finishing the jobs in hand (signal again to leave now)`);
        void worker.close().then(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
