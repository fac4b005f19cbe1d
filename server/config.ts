import type { ApiLimits } from '../resolvers/context.js';
import { isRole } from '../warehouse/apiKeysRepo.js';
import type { AuthConfig } from './auth.js';
import { badInput } from '../errors/CortexError.js';
import { delimiter, dirname, join } from 'node:path';
import { DEFAULT_WAREHOUSE } from '../services/paths.js';
import { DOCUMENT_LIMITS } from './limits.js';

export interface ServerConfig {
  readonly db: string;
  readonly host: string;
  readonly port: number;
  readonly limits: ApiLimits;
  readonly auth: AuthConfig;
  /** Build the demo warehouse when `db` does not exist yet. */
  readonly demo: boolean;
  /** Where exported sharing bundles are written and downloaded from. */
  readonly exportDir: string;
  /** Redis for the job queue (BullMQ): jobs go to `cortexql worker` processes; null: computed in-process. */
  readonly redisUrl: string | null;
  /** Work deadline of one request (ms); fields waiting for a job (policy WAIT) extend it by their wait. */
  readonly deadlineMs: number;
  /** Expensive queries (cost ≥ a tenth of the ceiling) executing at once; the others wait their turn. */
  readonly heavyConcurrency?: number;
  /** Folders whose files mutations may read by path (none: server-side paths are refused). */
  readonly importRoots: readonly string[];
  /** The staging folder of `POST /uploads`, its per-upload size limit, per-key quota and expiry. */
  readonly uploads: { readonly dir: string; readonly maxBytes: number; readonly quotaBytes: number; readonly ttlMs: number };
}

/** Defaults, overridden by environment variables, overridden by flags. */
export function resolveConfig(
  flags: Partial<Record<'db' | 'host' | 'port' | 'maxCost' | 'maxDepth' | 'maxPage' | 'maxAliases' | 'maxTokens' | 'deadline' | 'anonymous', string>> & { importRoot?: readonly string[] } = {},
  env = process.env,
): ServerConfig {
  const pick = (flag: string | undefined, name: string, fallback: string) => flag ?? env[name] ?? fallback;
  const int = (text: string, name: string, min: number, max: number) => {
    // Digits only: '1e3', '0x10' and ' 7' are refused rather than read as some number.
    const n = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw badInput(`${name} must be a whole number from ${min} to ${max} (got '${text.slice(0, 40)}')`);
    return n;
  };
  const db = pick(flags.db, 'CORTEXQL_DB', DEFAULT_WAREHOUSE);
  const demo = db === DEFAULT_WAREHOUSE || env.CORTEXQL_DEMO === '1';
  const maxCost = int(pick(flags.maxCost, 'CORTEXQL_MAX_COST', '200000'), 'max cost', 1, 1e9);
  // Anonymous read is on for the demo and off by default for real deployments.
  const anonymous = pick(flags.anonymous, 'CORTEXQL_ANONYMOUS', demo ? 'reader' : 'none');
  if (!(anonymous === 'none' || isRole(anonymous))) throw badInput(`anonymous access must be none, reader, writer or admin (got '${anonymous}')`);
  return {
    db,
    host: pick(flags.host, 'CORTEXQL_HOST', '127.0.0.1'),
    port: int(pick(flags.port, 'CORTEXQL_PORT', '4000'), 'port', 0, 65535),
    limits: {
      maxCost,
      maxDepth: int(pick(flags.maxDepth, 'CORTEXQL_MAX_DEPTH', '12'), 'max depth', 2, 100),
      maxPageSize: int(pick(flags.maxPage, 'CORTEXQL_MAX_PAGE', '500'), 'max page size', 1, 100_000),
      maxAliases: int(pick(flags.maxAliases, 'CORTEXQL_MAX_ALIASES', String(DOCUMENT_LIMITS.maxAliases)), 'max aliases', 0, 100_000),
      maxTokens: int(pick(flags.maxTokens, 'CORTEXQL_MAX_TOKENS', String(DOCUMENT_LIMITS.maxTokens)), 'max tokens', 100, 1_000_000),
      maxFields: int(pick(undefined, 'CORTEXQL_MAX_FIELDS', String(DOCUMENT_LIMITS.maxFields)), 'max fields', 10, 10_000_000),
      maxDirectives: int(pick(undefined, 'CORTEXQL_MAX_DIRECTIVES', String(DOCUMENT_LIMITS.maxDirectives)), 'max directives', 0, 100_000),
    },
    auth: {
      anonymousRole: anonymous === 'none' ? null : anonymous,
      limits: {
        reader: { maxCost, requestsPerMinute: int(pick(undefined, 'CORTEXQL_READER_RPM', '600'), 'reader rate', 1, 1e7) },
        writer: { maxCost: maxCost * 2, requestsPerMinute: int(pick(undefined, 'CORTEXQL_WRITER_RPM', '1200'), 'writer rate', 1, 1e7) },
        admin: { maxCost: maxCost * 5, requestsPerMinute: int(pick(undefined, 'CORTEXQL_ADMIN_RPM', '6000'), 'admin rate', 1, 1e7) },
      },
      refusedPerMinute: int(pick(undefined, 'CORTEXQL_REFUSED_RPM', '120'), 'refused-request rate', 1, 1e7),
    },
    demo,
    exportDir: pick(undefined, 'CORTEXQL_EXPORT_DIR', join(dirname(db === ':memory:' ? DEFAULT_WAREHOUSE : db), 'exports')),
    redisUrl: env.CORTEXQL_REDIS_URL || env.REDIS_URL || null,
    deadlineMs: int(pick(flags.deadline, 'CORTEXQL_DEADLINE_SECONDS', '30'), 'deadline (seconds)', 1, 86_400) * 1000,
    ...(env.CORTEXQL_HEAVY_CONCURRENCY ? { heavyConcurrency: int(env.CORTEXQL_HEAVY_CONCURRENCY, 'heavy concurrency', 1, 1024) } : {}),
    // Repeatable --import-root, else CORTEXQL_IMPORT_ROOTS (folders separated by ':'); none by default.
    importRoots: flags.importRoot?.length ? [...flags.importRoot] : (env.CORTEXQL_IMPORT_ROOTS ?? '').split(delimiter).filter((d) => d.trim() !== ''),
    uploads: {
      dir: pick(undefined, 'CORTEXQL_UPLOAD_DIR', join(dirname(db === ':memory:' ? DEFAULT_WAREHOUSE : db), 'uploads')),
      maxBytes: int(pick(undefined, 'CORTEXQL_MAX_UPLOAD_BYTES', String(2 ** 31)), 'max upload bytes', 1, 2 ** 50),
      quotaBytes: int(pick(undefined, 'CORTEXQL_UPLOAD_QUOTA_BYTES', String(2 ** 33)), 'upload quota bytes', 1, 2 ** 52),
      ttlMs: int(pick(undefined, 'CORTEXQL_UPLOAD_TTL_SECONDS', '3600'), 'upload TTL (seconds)', 1, 365 * 86_400) * 1000,
    },
  };
}
