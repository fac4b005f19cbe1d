import type { ApolloServerPlugin, GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import { requestError } from './httpErrors.js';
import { GraphQLError, getOperationAST, getVariableValues, parse, type ASTVisitor, type DocumentNode, type ValidationContext } from 'graphql';
import type { ApiLimits, Context } from '../resolvers/context.js';
import { CortexError } from '../errors/CortexError.js';
import type { Role } from '../warehouse/apiKeysRepo.js';
import { authError, hasRole } from './auth.js';
import { analyzeOperation, type OperationAnalysis } from './cost/analyzeOperation.js';
import { requiredRoles } from './fieldRoles.js';
import { EMPTY_STATS, type CostStats } from './cost/costStats.js';
import { introspectionListSizes } from './cost/introspectionPrices.js';
import { checkSource, limitError } from './cost/sourceGuard.js';
import type { HeavyGate } from './heavyGate.js';
import type { RateLimiter } from './rateLimiter.js';
import type { WarehouseStats } from '../warehouse/statsRepo.js';

/** Defaults of the document limits that ApiLimits leaves optional. */
export const DOCUMENT_LIMITS = { maxAliases: 200, maxFields: 5_000, maxDirectives: 50, maxTokens: 5_000 } as const;
/**
 * Introspection subtrees (`__schema`, `__type`) are not held to the data depth limit — graphql-js's
 * standard introspection query is 13 fields deep and GraphiQL's 14 — but to this one, and to the
 * cost and field limits like everything else.
 */
export const INTROSPECTION_MAX_DEPTH = 20;
/** A query whose estimated cost is at least this share of its ceiling is expensive: it waits for a HeavyGate slot. */
export const HEAVY_SHARE = 0.1;
/** The longest string an argument literal or a variable may hold (a 10 MB id is refused, not echoed). */
export const MAX_STRING_LENGTH = 65_536;

/**
 * Checks every operation before execution: the source's size and nesting before it is parsed;
 * then who may run it (anonymous access, mutations need a writer), the principal's request
 * rate, and one linear analysis of the operation (depth, introspection depth, expanded fields,
 * aliases, directives, cost — server/cost/analyzeOperation.ts) against the limits and the
 * role's cost ceiling. Every refusal is a 400 with a code, before any resolver runs.
 */
export function limitsPlugin(rates: RateLimiter, perMinute: (role: Role | null) => number, costStats: CostStats, heavy: HeavyGate): ApolloServerPlugin<Context> {
  let introspectionLists: ReadonlyMap<string, number> | null = null;
  return {
    async requestDidStart({ contextValue }) {
      const limits = withDefaults(contextValue.limits);
      let release = null as (() => void) | null;
      /** Who may run the operation, at what price, and — when it is expensive — when. */
      async function admit({ request, document, schema, operation }: GraphQLRequestContextDidResolveOperation<Context>): Promise<void> {
        const { principal } = contextValue;
        if (principal.role === null) throw authError('UNAUTHENTICATED', 'this server needs an API key (Authorization: Bearer <key>)');
        const has = principal.keyId ? `role ${principal.role}` : `anonymous ${principal.role} access`;
        if (operation?.operation === 'mutation' && !hasRole(principal.role, 'writer')) {
          throw authError('FORBIDDEN', `mutations need the writer or admin role; this request has ${has}`);
        }
        // Fields that need a role are refused before anything runs, with the same status and code as a mutation.
        const denied = operation ? requiredRoles(schema, document, operation).find((r) => !hasRole(principal.role, r.role)) : undefined;
        if (denied) throw authError('FORBIDDEN', `${denied.field} needs the ${denied.role} role; this request has ${has}`);
        if (!rates.take(principal.bucket, perMinute(principal.role))) {
          throw authError('RATE_LIMITED', `rate limit of ${perMinute(principal.role)} requests per minute exceeded; retry shortly`);
        }
        if (!operation) return;
        checkVariables(request.variables ?? {});
        const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 10 });
        if (coerced.errors) throw requestError('BAD_USER_INPUT', coerced.errors.map((e) => e.message).join('; '));
        introspectionLists ??= introspectionListSizes(schema);
        const analyze = (stats: WarehouseStats) =>
          analyzeOperation({ schema, document, operation, variables: coerced.coerced, stats, introspectionLists: introspectionLists!, maxStringLength: MAX_STRING_LENGTH });
        // Without the table sizes at hand, a first pass on empty tables checks the shape and a
        // lower bound of the cost, so a bomb is refused before any statement is issued.
        let analysis = analyze(costStats.fresh() ?? EMPTY_STATS);
        enforce(analysis, limits);
        if (!costStats.fresh()) {
          const stats = await costStats.get().catch(() => null); // unreadable warehouse: the resolvers report it
          if (stats) enforce((analysis = analyze(stats)), limits);
        }
        contextValue.extendDeadline?.(analysis.waitMs);
        // An expensive operation waits for a HeavyGate slot (its queue time counts against its
        // deadline): however many arrive at once, cheap requests and /healthz never queue behind them.
        if (analysis.cost >= HEAVY_SHARE * limits.maxCost) release = await heavy.acquire(contextValue.signal);
      }
      return {
        async willSendResponse() {
          const give = release;
          release = null;
          give?.();
        },
        // Thrown from a plugin hook, only a GraphQLError keeps its code: a CortexError (the
        // HeavyGate's SERVER_BUSY, a cancelled wait) would reach the client as INTERNAL_SERVER_ERROR.
        async didResolveOperation(requestContext) {
          try {
            await admit(requestContext);
          } catch (e) {
            throw e instanceof CortexError ? requestError(e.code, e.message, e.details) : e;
          }
        },
      };
    },
  };
}

type FullLimits = Required<ApiLimits>;

/**
 * The checks that need no schema, run on the raw document before Apollo parses and validates it
 * (server/httpEdge.ts): size and nesting of the source, then depth, introspection depth,
 * aliases, directives and fields of the operation. So a hostile document costs one lexer pass
 * and one parse — milliseconds — and never reaches validation, whose time grows with the
 * document. Syntax errors are left to Apollo, which reports them with locations.
 */
export function checkDocumentShape(source: string, operationName: string | undefined, apiLimits: ApiLimits): void {
  const limits = withDefaults(apiLimits);
  checkSource(source, { maxTokens: limits.maxTokens, maxNesting: Math.max(limits.maxDepth, INTROSPECTION_MAX_DEPTH) + 16 });
  let document: DocumentNode;
  try {
    document = parse(source, { noLocation: true, maxTokens: limits.maxTokens });
  } catch {
    return;
  }
  const operation = getOperationAST(document, operationName);
  if (!operation) return;
  const shape = analyzeOperation({
    schema: null, document, operation, variables: {}, stats: EMPTY_STATS, introspectionLists: new Map(), maxStringLength: MAX_STRING_LENGTH,
  });
  enforce({ ...shape, cost: 0 }, limits);
}

function withDefaults(limits: ApiLimits): FullLimits {
  return { ...DOCUMENT_LIMITS, ...Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) } as FullLimits;
}

function enforce(a: OperationAnalysis, limits: FullLimits): void {
  if (a.depth > limits.maxDepth) throw limitError('DEPTH_LIMIT', `query depth ${a.depth} exceeds the limit of ${limits.maxDepth}`, { depth: a.depth, maxDepth: limits.maxDepth });
  if (a.introspectionDepth > INTROSPECTION_MAX_DEPTH) {
    throw limitError('DEPTH_LIMIT', `introspection depth ${a.introspectionDepth} exceeds the limit of ${INTROSPECTION_MAX_DEPTH}`, {
      depth: a.introspectionDepth, maxDepth: INTROSPECTION_MAX_DEPTH,
    });
  }
  if (a.aliases > limits.maxAliases) throw limitError('ALIAS_LIMIT', `the operation has ${a.aliases} aliases (fragments expanded); the limit is ${limits.maxAliases}`, { aliases: a.aliases, maxAliases: limits.maxAliases });
  if (a.directives > limits.maxDirectives) {
    throw limitError('DIRECTIVE_LIMIT', `the operation has ${a.directives} directives (fragments expanded); the limit is ${limits.maxDirectives}`, { directives: a.directives, maxDirectives: limits.maxDirectives });
  }
  if (a.fields > limits.maxFields) throw limitError('FIELD_LIMIT', `the operation selects ${a.fields} fields (fragments expanded); the limit is ${limits.maxFields}`, { fields: a.fields, maxFields: limits.maxFields });
  if (a.cost > limits.maxCost) {
    throw limitError('COST_LIMIT', `estimated query cost ${a.cost} exceeds the limit of ${limits.maxCost}; ask for smaller pages`, { cost: a.cost, maxCost: limits.maxCost });
  }
}

/** Variables: no over-long string and no non-finite number (JSON.parse reads 1e400 as Infinity), however deep. */
function checkVariables(variables: Record<string, unknown>): void {
  const stack: [string, unknown][] = Object.entries(variables);
  while (stack.length) {
    const [name, v] = stack.pop()!;
    if (typeof v === 'string' && v.length > MAX_STRING_LENGTH) {
      throw requestError('BAD_USER_INPUT', `variable '${name}': a string of ${v.length} characters exceeds the limit of ${MAX_STRING_LENGTH}`, { variable: name });
    }
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw requestError('BAD_USER_INPUT', `variable '${name}': not a finite number`, { variable: name });
    }
    if (v && typeof v === 'object') for (const child of Object.values(v)) stack.push([name, child]);
  }
}

/**
 * Subscriptions are not served (queries and mutations over HTTP only): refused at validation
 * with a clear message, instead of failing inside execution.
 */
export function noSubscriptionsRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (node.operation === 'subscription') {
        context.reportError(new GraphQLError('subscriptions are not supported: this API answers queries and mutations over HTTP', { nodes: [node] }));
      }
    },
  };
}
