import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorCode } from '../errors/errorCodes.js';
import { sendError } from './httpErrors.js';
import { GraphQLError } from 'graphql';
import type { ApiLimits } from '../resolvers/context.js';
import { checkDocumentShape } from './limits.js';
import { statementScope } from '../warehouse/statementScope.js';
import { errorCodeLabel, type ServerMetrics } from './observability.js';
import type { RateLimiter } from './rateLimiter.js';
import { RequestScope, type RequestScopeOptions } from './requestScope.js';

/** Statuses that count against a client address's refusal budget. */
const REFUSED = new Set([400, 401, 403, 405, 413, 415, 429]);

function clientKey(req: { socket: { remoteAddress?: string } }): string {
  return `refused:${req.socket.remoteAddress ?? 'unknown'}`;
}

/** An error answer in GraphQL's shape, for requests refused before GraphQL sees them. */
function refuse(res: Parameters<RequestHandler>[1], status: number, code: ErrorCode, message: string, metrics: ServerMetrics, data: Record<string, unknown> = {}): void {
  metrics.refused.inc({ code: errorCodeLabel(code) });
  sendError(res, code, message, data, status);
}

/**
 * Refuses documents over the shape limits (tokens, nesting, depth, aliases, directives, fields)
 * before Apollo parses and validates them: 400 with the limit's code, in milliseconds.
 */
export function documentGuard(limits: ApiLimits, metrics: ServerMetrics): RequestHandler {
  return (req, res, next) => {
    const params = (req.method === 'GET' ? req.query : req.body) as Record<string, unknown> | undefined;
    const query = params?.query;
    if (typeof query !== 'string') return next();
    const operationName = typeof params?.operationName === 'string' ? params.operationName : undefined;
    try {
      checkDocumentShape(query, operationName, limits);
    } catch (error) {
      if (!(error instanceof GraphQLError) || typeof error.extensions.code !== 'string') throw error;
      const { code, http: _, ...data } = error.extensions;
      return refuse(res, 400, code as ErrorCode, error.message, metrics, data);
    }
    next();
  };
}

/**
 * Per client address, refused requests (bad documents, bad keys, missing roles, over limits) are
 * rate-limited like accepted ones are per key: every such answer takes a token, and an address
 * whose tokens are spent is answered 429 at once — before its body is read, its key looked up or
 * its document parsed — until they refill.
 */
export function refusalLimiter(rates: RateLimiter, perMinute: number, metrics: ServerMetrics): RequestHandler {
  return (req, res, next) => {
    const key = clientKey(req);
    if (!rates.has(key, perMinute)) {
      res.setHeader('retry-after', String(Math.ceil(60 / perMinute)));
      return refuse(res, 429, 'RATE_LIMITED', `too many refused requests from this address (limit ${perMinute} per minute); retry shortly`, metrics);
    }
    res.on('finish', () => {
      if (REFUSED.has(res.statusCode)) rates.take(key, perMinute);
    });
    next();
  };
}

/**
 * Runs the rest of the request inside its RequestScope (server/requestScope.ts): its DuckDB reads
 * go through the scope's gate, and the scope is cancelled when the client goes away before the
 * answer was sent. Mounted after the body is read: the scope flows from here through Apollo and
 * every resolver (AsyncLocalStorage).
 */
export function requestScopes(options: RequestScopeOptions): RequestHandler {
  return (_req, res, next) => {
    const scope = new RequestScope(options);
    res.locals.scope = scope;
    res.on('close', () => {
      if (!res.writableFinished) scope.cancel();
      scope.finish();
    });
    statementScope.run(scope, next);
  };
}

/** What a body-parser failure tells the client: a status, a code and a fixed message (nothing of the body echoed). */
const BODY_ERRORS: Record<string, { status: number; code: ErrorCode; message: string }> = {
  'entity.parse.failed': { status: 400, code: 'BAD_REQUEST', message: 'request body is not valid JSON' },
  'entity.too.large': { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'request body too large' },
  'encoding.unsupported': { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported Content-Encoding: send identity, gzip, deflate or br' },
  'charset.unsupported': { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported charset: send the body as UTF-8' },
  'request.aborted': { status: 400, code: 'BAD_REQUEST', message: 'the request body was cut short' },
  'request.size.invalid': { status: 400, code: 'BAD_REQUEST', message: 'the request body does not match its Content-Length' },
  'stream.encoding.set': { status: 500, code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' },
};

/**
 * Malformed bodies and other transport errors answer in GraphQL's error shape, with a code:
 * bad JSON 400 BAD_REQUEST, too large 413 PAYLOAD_TOO_LARGE, an unknown charset or
 * Content-Encoding 415 UNSUPPORTED_MEDIA_TYPE, a corrupt compressed body 400 BAD_REQUEST.
 */
export function jsonErrors(metrics: ServerMetrics, log: (e: unknown) => void): ErrorRequestHandler {
  return (error, _req, res, _next) => {
    const known = typeof error?.type === 'string' ? BODY_ERRORS[error.type] : undefined;
    const status = known?.status ?? (typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500);
    const code = known?.code ?? (status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR');
    const message = known?.message ?? (status < 500 ? 'the request could not be read (a corrupt or mislabelled body)' : 'Internal server error');
    if (status >= 500) log(error);
    if (res.headersSent) return void res.end();
    refuse(res, status, code, message, metrics);
  };
}
