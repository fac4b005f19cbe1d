import { DuckDBListValue, LIST, VARCHAR, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { CortexError } from '../errors/CortexError.js';

/** Positional parameters of one SQL statement. */
export type SqlParams = readonly DuckDBValue[];

/**
 * An empty list has no item type to infer and DuckDB refuses to bind it; bind it as VARCHAR[].
 * A list compared with numbers must therefore be cast in the SQL (`list_contains(?::INTEGER[], step)`),
 * which an empty list always survives.
 */
export function bindTypes(params: SqlParams): DuckDBType[] | undefined {
  // An undefined parameter is always a caller's bug (a missing `?? null`): say so plainly.
  const missing = params.findIndex((p) => p === undefined || (p instanceof DuckDBListValue && p.items.some((item) => item === undefined)));
  if (missing >= 0) throw new CortexError('INTERNAL', `SQL parameter ${missing + 1} is or holds undefined`);
  if (!params.some((p) => p instanceof DuckDBListValue && p.items.length === 0)) return undefined;
  return params.map((p) => (p instanceof DuckDBListValue && p.items.length === 0 ? LIST(VARCHAR) : undefined)) as DuckDBType[];
}
