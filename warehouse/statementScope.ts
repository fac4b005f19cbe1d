import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who a read statement is issued for. The API server runs each request inside a scope (its
 * statement budget, its share of the reader connections, its cancellation), so one request
 * cannot queue unbounded DuckDB work ahead of everyone else's; work outside any request (jobs,
 * the CLI) runs unscoped. The warehouse asks the current scope before every read.
 */
export interface StatementScope {
  /** Waits for a turn; throws (with a code) when the request's budget is spent or it was cancelled. */
  enter(): Promise<void>;
  leave(): void;
}

export const statementScope = new AsyncLocalStorage<StatementScope>();

/** Runs one read inside the current request's scope, if any. */
export async function scopedRead<T>(read: () => Promise<T>): Promise<T> {
  const scope = statementScope.getStore();
  if (!scope) return read();
  await scope.enter();
  try {
    return await read();
  } finally {
    scope.leave();
  }
}

/** Runs `work` outside any request's scope: work shared by requests, or outliving one (jobs, shared caches). */
export function unscoped<T>(work: () => T): T {
  return statementScope.exit(work);
}
