import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { createRequire } from 'node:module';
import type { Context } from '../resolvers/context.js';
import type { Role } from '../warehouse/apiKeysRepo.js';
import { authError, hasRole } from './auth.js';
import { requestError } from './httpErrors.js';
import type { RateLimiter } from './rateLimiter.js';

// graphql-query-complexity's ESM build imports 'graphql/index.mjs', a second copy of graphql
// beside the CommonJS one that 'graphql' resolves to under Node (graphql 16 has no exports
// map); mixing the two fails graphql's instanceof checks. Its CommonJS build shares ours.
const { fieldExtensionsEstimator, getComplexity, simpleEstimator } = createRequire(import.meta.url)(
  'graphql-query-complexity',
) as typeof import('graphql-query-complexity');

/**
 * Checks every operation before execution: who may run it (anonymous access, mutations need a
 * writer), the principal's request rate, nesting depth, and the estimated cost against the
 * role's ceiling. Cost: 1 per field, connection children × `first`, list fields as their
 * resolvers declare (graphql-query-complexity with field extensions).
 */
export function limitsPlugin(rates: RateLimiter, perMinute: (role: Role | null) => number): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operation, contextValue }) {
          const { principal, limits } = contextValue;
          if (principal.role === null) throw authError('UNAUTHENTICATED', 'this server needs an API key (Authorization: Bearer <key>)');
          if (operation?.operation === 'mutation' && !hasRole(principal.role, 'writer')) {
            throw authError('FORBIDDEN', `mutations need the writer or admin role; this request has ${principal.keyId ? `role ${principal.role}` : `anonymous ${principal.role} access`}`);
          }
          if (!rates.take(principal.bucket, perMinute(principal.role))) {
            throw authError('RATE_LIMITED', `rate limit of ${perMinute(principal.role)} requests per minute exceeded; retry shortly`);
          }
          const depth = operation ? operationDepth(operation, document) : 0;
          if (depth > limits.maxDepth) {
            throw limitError('DEPTH_LIMIT', `query depth ${depth} exceeds the limit of ${limits.maxDepth}`, { depth, maxDepth: limits.maxDepth });
          }
          const cost = operationCost(schema, document, request.operationName ?? undefined, request.variables ?? {});
          if (cost > limits.maxCost) {
            throw limitError('COST_LIMIT', `estimated query cost ${cost} exceeds the limit of ${limits.maxCost}; ask for smaller pages`, {
              cost,
              maxCost: limits.maxCost,
            });
          }
        },
      };
    },
  };
}

export function operationCost(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): number {
  try {
    return getComplexity({
      schema,
      query: document,
      operationName,
      variables,
      estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch (error) {
    // The estimate coerces variables first, so a bad variable surfaces here, before execution.
    throw requestError('BAD_USER_INPUT', (error as Error).message);
  }
}

/** Depth of the deepest field path, following fragment spreads (cycles are rejected by validation). */
export function operationDepth(operation: OperationDefinitionNode, document: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const depthOf = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
    if (!set) return 0;
    let max = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) max = Math.max(max, sel.selectionSet ? 1 + depthOf(sel.selectionSet, seen) : 1);
      else if (sel.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, depthOf(sel.selectionSet, seen));
      else if (!seen.has(sel.name.value)) {
        const frag = fragments.get(sel.name.value);
        max = Math.max(max, depthOf(frag?.selectionSet, new Set([...seen, sel.name.value])));
      }
    }
    return max;
  };
  return depthOf(operation.selectionSet, new Set());
}

function limitError(code: 'DEPTH_LIMIT' | 'COST_LIMIT', message: string, data: Record<string, number>): GraphQLError {
  return requestError(code, message, data);
}
