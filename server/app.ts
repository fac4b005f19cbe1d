import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { createContext, type ApiLimits, type Context } from '../resolvers/context.js';
import { ComputeAccess, defaultComputeAccess } from '../services/cells/computeAccess.js';
import type { Scheduler } from '../services/jobs/Scheduler.js';
import { jobsByIds } from '../warehouse/jobsRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { authenticate, hasRole, type AuthConfig } from './auth.js';
import { formatError } from './formatError.js';
import { sendError } from './httpErrors.js';
import { GRAPHIQL_ASSETS, graphiqlPage } from './graphiql.js';
import { mountJobRoutes } from './jobRoutes.js';
import { CostStats } from './cost/costStats.js';
import { STATEMENT } from './cost/costModel.js';
import { documentGuard, jsonErrors, refusalLimiter, requestScopes } from './httpEdge.js';
import { DOCUMENT_LIMITS, limitsPlugin, noSubscriptionsRule } from './limits.js';
import type { RequestScope } from './requestScope.js';
import { HeavyGate } from './heavyGate.js';
import { availableParallelism } from 'node:os';
import { createLogger, ServerMetrics } from './observability.js';
import { RateLimiter } from './rateLimiter.js';
import { mediaTypeStatusPlugin, noticesPlugin } from './responseStatus.js';
import { cortexSchema } from './schema.js';
import { stringifySliced } from './stringifySliced.js';
import { FileAccess, importRoots } from '../services/fileAccess.js';
import { UploadStore, type UploadOptions } from '../services/uploads.js';
import { mountUploadRoutes } from './uploadRoutes.js';
import { CortexError } from '../errors/CortexError.js';

export interface RunningServer {
  readonly url: string;
  readonly endpoint: string;
  readonly http: Server;
  readonly metrics: ServerMetrics;
  /** Stops accepting requests, lets in-flight ones finish (up to `graceMs`), then closes. */
  close(graceMs?: number): Promise<void>;
}

export interface ServerOptions {
  readonly host: string;
  readonly port: number;
  readonly limits: ApiLimits;
  readonly auth: AuthConfig;
  /** Extra routes (e.g. the dashboard), mounted before GraphQL. */
  readonly mount?: (app: express.Express) => void;
  /** Folder of exported bundles, downloadable at /bundles/<file> by readers. */
  readonly exportDir?: string;
  /** Computes missing cells asked for through the API (absent: stored cells only). */
  readonly scheduler?: Scheduler;
  readonly logger?: Logger;
  /** Receives internal errors (their messages never reach clients). */
  readonly log?: (e: unknown) => void;
  /** Work deadline of one request in ms (default 30 s); fields waiting for jobs extend it by their wait. */
  readonly deadlineMs?: number;
  /** Expensive queries executing at once (default: half the cores, at least 1); the others wait their turn. */
  readonly heavyConcurrency?: number;
  /** Expensive queries that may wait for a turn (default 256); beyond, SERVER_BUSY. */
  readonly heavyQueue?: number;
  /** Folders whose files mutations may read by path (absent or empty: server-side paths are refused). */
  readonly importRoots?: readonly string[];
  /** The staging folder of `POST /uploads` (absent: no uploads). */
  readonly uploads?: UploadOptions;
  /**
   * Browser origins allowed to call the API from other sites (CORS); empty or absent: none (the
   * default), '*': any. Preflight requests are answered for these origins only.
   */
  readonly corsOrigins?: readonly string[];
  /** More of `/healthz` (the demo study's build progress on a first start). */
  readonly health?: () => Readonly<Record<string, unknown>>;
}

/**
 * The HTTP server: GraphQL at /graphql (POST, and GET for queries), GraphiQL at /, /healthz,
 * /metrics (Prometheus). Apollo's CSRF prevention stays on: browsers cannot send simple
 * cross-site requests. CORS is off unless origins are allowed (`corsOrigins`).
 */
export async function startServer(wh: Warehouse, options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? createLogger();
  const heavy = new HeavyGate(options.heavyConcurrency ?? Math.max(1, Math.floor(availableParallelism() / 2)), options.heavyQueue);
  const metrics = new ServerMetrics(wh, heavy);
  const rates = new RateLimiter();
  const refusals = new RateLimiter();
  const schema = await cortexSchema();
  const log = options.log ?? ((e: unknown) => logger.error({ err: e }, 'internal error'));
  const roots = importRoots(options.importRoots ?? []);
  const uploads = options.uploads ? new UploadStore(options.uploads) : null;
  const access = new ComputeAccess(options.auth.compute ?? defaultComputeAccess(false), (ids) => jobsByIds(wh, ids));
  const apollo = new ApolloServer<Context>({
    schema,
    // The project's own shutdown (server/serve.ts) drains requests, requeues jobs and checkpoints
    // the warehouse; Apollo's handler would re-send the signal and end the process first.
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: options.limits.maxTokens ?? DOCUMENT_LIMITS.maxTokens },
    validationRules: [noSubscriptionsRule],
    plugins: [
      limitsPlugin(rates, (role) => options.auth.limits[role ?? 'reader'].requestsPerMinute, new CostStats(wh), heavy),
      metrics.plugin(logger),
      noticesPlugin(),
      mediaTypeStatusPlugin(),
      // Cache-control hints are unused here and its per-field hook costs ~1% of a large response.
      ApolloServerPluginCacheControlDisabled(),
    ],
    formatError: (formatted, error) => formatError(formatted, error, log),
    // Large responses are serialised in slices, not in one call that holds the event loop.
    stringifyResult: stringifySliced,
    includeStacktraceInErrorResponses: false,
    introspection: true,
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  if (options.corsOrigins?.length) app.use(corsAllowlist(options.corsOrigins));
  // No ETag: hashing every GraphQL response body costs time, and POST responses are not revalidated.
  app.set('etag', false);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', dataVersion: wh.dataVersion, ...options.health?.() });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/assets/:name', (req, res) => {
    const file = GRAPHIQL_ASSETS[req.params.name];
    if (!file) sendError(res, 'NOT_FOUND', 'no such asset');
    else res.sendFile(file, { maxAge: '1d' });
  });
  app.get('/', (req, res, next) => {
    if (!req.accepts('html')) return next();
    res.type('html').send(graphiqlPage('/graphql'));
  });
  if (options.exportDir) {
    const exportDir = options.exportDir;
    app.use('/bundles', async (req, res, next) => {
      try {
        const principal = await authenticate(req, wh, options.auth);
        if (!hasRole(principal.role, 'reader')) return sendError(res, 'UNAUTHENTICATED', 'an API key is needed');
        next();
      } catch {
        sendError(res, 'UNAUTHENTICATED', 'invalid or revoked API key');
      }
    }, express.static(exportDir, { index: false, dotfiles: 'deny' }));
  }
  if (options.scheduler) mountJobRoutes(app, wh, options.scheduler, options.auth);
  if (uploads) app.use('/uploads', refusalLimiter(refusals, options.auth.refusedPerMinute ?? 120, metrics));
  if (uploads) mountUploadRoutes(app, wh, uploads, options.auth, log);
  options.mount?.(app);
  const maxCostOfAll = Math.max(options.limits.maxCost, ...Object.values(options.auth.limits).map((l) => l.maxCost));
  app.use(
    '/graphql',
    refusalLimiter(refusals, options.auth.refusedPerMinute ?? 120, metrics),
    express.json({ limit: '64mb' }),
    documentGuard(options.limits, metrics),
    requestScopes({
      deadlineMs: options.deadlineMs ?? 30_000,
      // Two reads at a time per request: the others' reads are never all queued behind one request's.
      concurrentStatements: 2,
      // Every read a field cannot batch is priced at STATEMENT units, so the cost ceiling bounds them; batched ones get slack.
      maxStatements: Math.ceil(maxCostOfAll / STATEMENT) + 200,
    }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const principal = await authenticate(req, wh, options.auth);
        const maxCost = principal.role ? options.auth.limits[principal.role].maxCost : options.limits.maxCost;
        const scope = res.locals.scope as RequestScope;
        return createContext(wh, { ...options.limits, maxCost }, {
          principal, exportDir: options.exportDir, scheduler: options.scheduler, access, signal: scope.signal, extendDeadline: (ms) => scope.extendDeadline(ms),
          onRefused: () => void (res.locals.refused = true),
          files: FileAccess.confined(roots, uploads, principal.keyId),
        });
      },
    }),
  );
  app.use((_req, res) => {
    sendError(res, 'NOT_FOUND', 'no such route: the API is at /graphql');
  });
  app.use(jsonErrors(metrics, log));

  const http = createServer(app);
  // Idle keep-alive sockets outlive a busy client's pause between two requests (Node's 5 s
  // default can close one just as a client reuses it); headers must still arrive within this.
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, options.host, options.port)));
    http.listen(options.port, options.host, resolve);
  });
  const { port } = http.address() as AddressInfo;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}/`;
  return {
    url,
    endpoint: `${url}graphql`,
    http,
    metrics,
    close: async (graceMs = 10_000) => {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeIdleConnections();
      // Keep-alive connections go idle as their last request finishes: close them as they do.
      const sweep = setInterval(() => http.closeIdleConnections(), 50);
      const timer = setTimeout(() => http.closeAllConnections(), graceMs);
      await closed;
      clearInterval(sweep);
      clearTimeout(timer);
      await apollo.stop();
    },
  };
}

/** A port in use or not allowed is the operator’s mistake: a coded error saying what to change. */
function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') return new CortexError('BAD_USER_INPUT', `port ${port} on ${host} is in use: stop what holds it or choose another (--port, 0 picks a free one)`, { field: 'port' });
  if (error.code === 'EACCES') return new CortexError('BAD_USER_INPUT', `port ${port} on ${host} needs privileges this process lacks: choose a port above 1023 (--port)`, { field: 'port' });
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') return new CortexError('BAD_USER_INPUT', `cannot listen on ${host}: not an address of this machine (--host)`, { field: 'host' });
  return error;
}

/**
 * CORS for an allowlist of origins (the `cors` package): a preflight from an allowed origin gets
 * 204 with the methods and headers the API reads (JSON bodies, API keys, Apollo's CSRF header);
 * other origins get no CORS headers, so their browsers refuse. No cookies are used (keys travel
 * in headers), so credentials are not allowed.
 */
function corsAllowlist(origins: readonly string[]): express.RequestHandler {
  const any = origins.includes('*');
  return cors({
    origin: any ? '*' : [...origins],
    methods: ['GET', 'POST'],
    allowedHeaders: ['content-type', 'authorization', 'x-api-key', 'apollo-require-preflight', 'x-apollo-operation-name', 'accept'],
    maxAge: 600,
  });
}
