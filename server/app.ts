import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler } from 'express';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { createContext, type ApiLimits, type Context } from '../resolvers/context.js';
import type { Scheduler } from '../services/jobs/Scheduler.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { authenticate, hasRole, type AuthConfig } from './auth.js';
import { formatError } from './formatError.js';
import { GRAPHIQL_ASSETS, graphiqlPage } from './graphiql.js';
import { mountJobRoutes } from './jobRoutes.js';
import { limitsPlugin } from './limits.js';
import { createLogger, ServerMetrics } from './observability.js';
import { RateLimiter } from './rateLimiter.js';
import { cortexSchema } from './schema.js';

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
}

/**
 * The HTTP server: GraphQL at /graphql (POST, and GET for queries), GraphiQL at /, /healthz,
 * /metrics (Prometheus). Apollo's CSRF prevention stays on: browsers cannot send simple
 * cross-site requests.
 */
export async function startServer(wh: Warehouse, options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? createLogger();
  const metrics = new ServerMetrics(wh);
  const rates = new RateLimiter();
  const schema = await cortexSchema();
  const apollo = new ApolloServer<Context>({
    schema,
    plugins: [
      limitsPlugin(rates, (role) => options.auth.limits[role ?? 'reader'].requestsPerMinute),
      metrics.plugin(logger),
      // Cache-control hints are unused here and its per-field hook costs ~1% of a large response.
      ApolloServerPluginCacheControlDisabled(),
    ],
    formatError: (formatted, error) => formatError(formatted, error, options.log ?? ((e) => logger.error({ err: e }, 'internal error'))),
    includeStacktraceInErrorResponses: false,
    introspection: true,
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  // No ETag: hashing every GraphQL response body costs time, and POST responses are not revalidated.
  app.set('etag', false);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', dataVersion: wh.dataVersion });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/assets/:name', (req, res) => {
    const file = GRAPHIQL_ASSETS[req.params.name];
    if (!file) res.status(404).end();
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
        if (!hasRole(principal.role, 'reader')) return void res.status(401).json({ errors: [{ message: 'an API key is needed', extensions: { code: 'UNAUTHENTICATED' } }] });
        next();
      } catch {
        res.status(401).json({ errors: [{ message: 'invalid or revoked API key', extensions: { code: 'UNAUTHENTICATED' } }] });
      }
    }, express.static(exportDir, { index: false, dotfiles: 'deny' }));
  }
  if (options.scheduler) mountJobRoutes(app, wh, options.scheduler, options.auth);
  options.mount?.(app);
  app.use(
    '/graphql',
    express.json({ limit: '64mb' }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        const principal = await authenticate(req, wh, options.auth);
        const maxCost = principal.role ? options.auth.limits[principal.role].maxCost : options.limits.maxCost;
        return createContext(wh, { ...options.limits, maxCost }, { principal, exportDir: options.exportDir, scheduler: options.scheduler });
      },
    }),
  );
  app.use(jsonErrors);

  const http = createServer(app);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
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
      const timer = setTimeout(() => http.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      await apollo.stop();
    },
  };
}

/** Malformed JSON bodies and other transport errors answer in GraphQL's error shape, with a code. */
const jsonErrors: ErrorRequestHandler = (error, _req, res, _next) => {
  const status = typeof error?.status === 'number' ? error.status : 500;
  const code = error?.type === 'entity.parse.failed' ? 'BAD_REQUEST' : status === 413 ? 'PAYLOAD_TOO_LARGE' : 'INTERNAL_SERVER_ERROR';
  const message = code === 'BAD_REQUEST' ? `request body is not valid JSON: ${error.message}` : code === 'PAYLOAD_TOO_LARGE' ? 'request body too large' : 'Internal server error';
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
};
