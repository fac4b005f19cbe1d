import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../resolvers/context.js';

/**
 * GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/), §"application/json":
 * for that legacy media type the server SHOULD answer a well-formed request with 200 whatever
 * GraphQL request error it raised; only `application/graphql-response+json` clients get 4xx for
 * them. So a document that does not parse, does not validate or whose variables do not coerce
 * (and an unknown operationName) answers 200 with the errors when the response is
 * `application/json` — as for a client that sends no Accept header — and 400 when the client
 * prefers `application/graphql-response+json`. The server's own refusals (limits, auth, rate)
 * keep their status for every media type: the spec leaves those to the server.
 */
const REQUEST_ERRORS = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'OPERATION_RESOLUTION_FAILURE']);

const JSON_TYPE = 'application/json';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json';

export function mediaTypeStatusPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ request, response, contextValue }) {
          if (response.body.kind !== 'single' || response.http.status !== 400) return;
          const result = response.body.singleResult;
          if (result.data !== undefined || !result.errors?.length) return;
          if (!result.errors.every((e) => REQUEST_ERRORS.has(String(e.extensions?.code)))) return;
          if (respondsWith(request.http?.headers.get('accept')) !== JSON_TYPE) return;
          response.http.status = 200;
          // Still a refused request for the per-address refusal budget (server/httpEdge.ts).
          contextValue.onRefused?.();
        },
      };
    },
  };
}

/**
 * The media type Apollo answers with for this Accept header (it prefers application/json on a
 * tie, and when there is no header): application/graphql-response+json only when the client
 * weighs it higher.
 */
export function respondsWith(accept: string | undefined | null): typeof JSON_TYPE | typeof GRAPHQL_RESPONSE_TYPE {
  if (!accept) return JSON_TYPE;
  const q = (type: string) => {
    let best = -1;
    let specificity = -1;
    for (const part of accept.split(',')) {
      const [range, ...params] = part.trim().toLowerCase().split(';').map((p) => p.trim());
      const weight = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? 1);
      const [t, sub] = range.split('/');
      const matches = range === type ? 3 : t === type.split('/')[0] && sub === '*' ? 2 : range === '*/*' ? 1 : 0;
      if (matches > 0 && matches > specificity) [best, specificity] = [Number.isFinite(weight) ? weight : 0, matches];
    }
    return best < 0 ? 0 : best;
  };
  return q(GRAPHQL_RESPONSE_TYPE) > q(JSON_TYPE) ? GRAPHQL_RESPONSE_TYPE : JSON_TYPE;
}

/**
 * Errors a request reported beside its data (Context.notices, e.g. a used-up compute quota:
 * the cells still answer, the missing ones say why) join the response's `errors`.
 */
export function noticesPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single' || !contextValue.notices?.length) return;
          const result = response.body.singleResult;
          const notices = contextValue.notices.map((e) => ({ message: e.message, extensions: { ...e.details, code: e.code } }));
          response.body.singleResult = { ...result, errors: [...(result.errors ?? []), ...notices] };
        },
      };
    },
  };
}
