/** A GraphQL error as the server formats it: always with `extensions.code`. */
export interface GqlError {
  readonly message: string;
  readonly extensions?: { readonly code?: string };
}

/** Thrown when a request fails at the transport level or the response carries `errors`. */
export class GqlRequestError extends Error {
  constructor(
    message: string,
    readonly errors: readonly GqlError[],
  ) {
    super(message);
  }
}

/** The only endpoint the dashboard talks to: the public API (same origin as the page). */
export const GRAPHQL_ENDPOINT = '/graphql';

const KEY_STORAGE = 'cortexql.apiKey';

/** The API key this tab uses, if any (kept for the browser session only). */
export function apiKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function setApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/**
 * POSTs one GraphQL operation, with `Authorization: Bearer <key>` when a key was given (servers
 * that turn anonymous reading off need one). `content-type: application/json` is what lets the request through
 * Apollo's CSRF prevention (a "simple" request would be refused).
 */
export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(GRAPHQL_ENDPOINT, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(apiKey() ? { authorization: `Bearer ${apiKey()}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  let body: { data?: T; errors?: GqlError[] };
  try {
    body = await res.json();
  } catch {
    throw new GqlRequestError(`HTTP ${res.status}: the response is not JSON`, []);
  }
  if (body.errors?.length) {
    const text = body.errors.map((e) => (e.extensions?.code ? `[${e.extensions.code}] ${e.message}` : e.message)).join('; ');
    throw new GqlRequestError(text, body.errors);
  }
  if (!body.data) throw new GqlRequestError(`HTTP ${res.status}: no data`, []);
  return body.data;
}
