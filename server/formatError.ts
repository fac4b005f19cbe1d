import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { isCortexError } from '../errors/CortexError.js';

/**
 * Every error leaves with `extensions.code` and without a stack trace. CortexErrors keep their
 * code and machine data; GraphQL's own errors (parse, validation, coercion) keep Apollo's code;
 * anything else is an INTERNAL_SERVER_ERROR whose message is not shown to the client.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, log: (e: unknown) => void = console.error): GraphQLFormattedError {
  return bounded(formatOne(formatted, error, log));
}

/** Longest message and longest string in `extensions` sent back: an echoed 10 MB argument is cut, not repeated. */
export const MAX_MESSAGE_LENGTH = 2_000;
export const MAX_DETAIL_LENGTH = 200;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

function bounded(e: GraphQLFormattedError): GraphQLFormattedError {
  const extensions = e.extensions && Object.fromEntries(Object.entries(e.extensions).map(([k, v]) => [k, typeof v === 'string' ? truncate(v, MAX_DETAIL_LENGTH) : v]));
  return { ...e, message: truncate(e.message, MAX_MESSAGE_LENGTH), ...(extensions ? { extensions } : {}) };
}

function formatOne(formatted: GraphQLFormattedError, error: unknown, log: (e: unknown) => void): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isCortexError(original)) {
    return { message: original.message, locations: formatted.locations, path: formatted.path, extensions: { ...original.details, code: original.code } };
  }
  const code = formatted.extensions?.code;
  // An uncoded GraphQLError raised by Apollo or graphql-js about the request itself (not thrown
  // inside a resolver: no path, no original error), e.g. a persisted-query hash that does not match.
  // (Apollo labels it INTERNAL_SERVER_ERROR when formatting; the error itself carries no code.)
  if (error instanceof GraphQLError && error.extensions.code === undefined && !error.originalError && !formatted.path) {
    return { ...formatted, extensions: { code: 'BAD_REQUEST' } };
  }
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
    const { stacktrace: _, ...extensions } = formatted.extensions ?? {};
    // type-graphql's @Authorized failure says UNAUTHORIZED; the rest of the API says FORBIDDEN.
    return { ...formatted, extensions: { ...extensions, code: code === 'UNAUTHORIZED' ? 'FORBIDDEN' : code } };
  }
  log(original);
  return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
