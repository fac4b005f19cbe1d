import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler } from 'express';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { createContext, type ApiLimits, type Context } from '../resolvers/context.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { formatError } from './formatError.js';
import { GRAPHIQL_ASSETS, graphiqlPage } from './graphiql.js';
import { limitsPlugin } from './limits.js';
import { cortexSchema } from './schema.js';

export interface RunningServer {
  readonly url: string;
  readonly endpoint: string;
  readonly http: Server;
  close(): Promise<void>;
}

/**
 * The HTTP server: GraphQL at /graphql (POST, and GET for queries), GraphiQL at /, health at
 * /healthz. Apollo's CSRF prevention stays on: browsers cannot send simple cross-site requests.
 */
export async function startServer(wh: Warehouse, options: { host: string; port: number; limits: ApiLimits; log?: (e: unknown) => void }): Promise<RunningServer> {
  const schema = await cortexSchema();
  const apollo = new ApolloServer<Context>({
    schema,
    // Cache-control hints are unused here and its per-field hook costs ~1% of a large response.
    plugins: [limitsPlugin(options.limits), ApolloServerPluginCacheControlDisabled()],
    formatError: (formatted, error) => formatError(formatted, error, options.log),
    includeStacktraceInErrorResponses: false,
    introspection: true,
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', dataVersion: wh.dataVersion });
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
  app.use(
    '/graphql',
    express.json({ limit: '64mb' }),
    expressMiddleware(apollo, { context: async () => createContext(wh, options.limits) }),
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
    close: async () => {
      await apollo.stop();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
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
