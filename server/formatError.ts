import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { isCortexError } from '../errors/CortexError.js';

/**
 * Every error leaves with `extensions.code` and without a stack trace. CortexErrors keep their
 * code and machine data; GraphQL's own errors (parse, validation, coercion) keep Apollo's code;
 * anything else is an INTERNAL_SERVER_ERROR whose message is not shown to the client.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, log: (e: unknown) => void = console.error): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isCortexError(original)) {
    return { message: original.message, locations: formatted.locations, path: formatted.path, extensions: { ...original.details, code: original.code } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
    const { stacktrace: _, ...extensions } = formatted.extensions ?? {};
    // type-graphql's @Authorized failure says UNAUTHORIZED; the rest of the API says FORBIDDEN.
    return { ...formatted, extensions: { ...extensions, code: code === 'UNAUTHORIZED' ? 'FORBIDDEN' : code } };
  }
  log(original);
  return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
