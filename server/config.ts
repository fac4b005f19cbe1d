import type { ApiLimits } from '../resolvers/context.js';
import { badInput } from '../errors/CortexError.js';
import { DEFAULT_WAREHOUSE } from './paths.js';

export interface ServerConfig {
  readonly db: string;
  readonly host: string;
  readonly port: number;
  readonly limits: ApiLimits;
  /** Build the demo warehouse when `db` does not exist yet. */
  readonly demo: boolean;
}

/** Defaults, overridden by environment variables, overridden by flags. */
export function resolveConfig(flags: Partial<Record<'db' | 'host' | 'port' | 'maxCost' | 'maxDepth' | 'maxPage', string>> = {}, env = process.env): ServerConfig {
  const pick = (flag: string | undefined, name: string, fallback: string) => flag ?? env[name] ?? fallback;
  const int = (text: string, name: string, min: number, max: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max) throw badInput(`${name} must be a whole number from ${min} to ${max} (got '${text}')`);
    return n;
  };
  const db = pick(flags.db, 'CORTEXQL_DB', DEFAULT_WAREHOUSE);
  return {
    db,
    host: pick(flags.host, 'CORTEXQL_HOST', '127.0.0.1'),
    port: int(pick(flags.port, 'CORTEXQL_PORT', '4000'), 'port', 0, 65535),
    limits: {
      maxCost: int(pick(flags.maxCost, 'CORTEXQL_MAX_COST', '200000'), 'max cost', 1, 1e9),
      maxDepth: int(pick(flags.maxDepth, 'CORTEXQL_MAX_DEPTH', '12'), 'max depth', 2, 100),
      maxPageSize: int(pick(flags.maxPage, 'CORTEXQL_MAX_PAGE', '500'), 'max page size', 1, 100_000),
    },
    demo: db === DEFAULT_WAREHOUSE || env.CORTEXQL_DEMO === '1',
  };
}
