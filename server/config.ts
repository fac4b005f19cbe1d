import type { ApiLimits } from '../resolvers/context.js';
import { isRole } from '../warehouse/apiKeysRepo.js';
import type { AuthConfig } from './auth.js';
import { badInput } from '../errors/CortexError.js';
import { delimiter, dirname, join } from 'node:path';
import { DEFAULT_WAREHOUSE } from '../services/paths.js';
import { defaultReaders } from '../warehouse/Warehouse.js';
import { DOCUMENT_LIMITS } from './limits.js';
import { COMPUTE_ROLES, defaultComputeAccess, parseComputeRoles, parseQuota, type ComputeRole, type Quota } from '../services/cells/computeAccess.js';

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
  /** Expensive queries that may wait for a turn; beyond, SERVER_BUSY. */
  readonly heavyQueue?: number;
  /** Folders whose files mutations may read by path (none: server-side paths are refused). */
  readonly importRoots: readonly string[];
  /** The staging folder of `POST /uploads`, its per-upload size limit, per-key quota and expiry. */
  readonly uploads: { readonly dir: string; readonly maxBytes: number; readonly quotaBytes: number; readonly ttlMs: number };
  /** Browser origins allowed to call the API (CORS); empty: none. */
  readonly corsOrigins: readonly string[];
  /** How the warehouse is opened and shared (docs/scaling.md). */
  readonly warehouse: WarehouseServing;
}

export interface WarehouseServing {
  /** Reader connections (queries run concurrently on them). */
  readonly readers: number;
  /** Entries of the read-result cache (0: off). */
  readonly cacheEntries: number;
  /** A read replica: open `db` read-only and reopen it when a publisher replaces it. */
  readonly readOnly: boolean;
  /** Serve this Parquet export folder read-only instead of a DuckDB file. */
  readonly parquet: string | null;
  /** Writer: publish the warehouse to this file for replicas (atomically, after changes). */
  readonly publish: string | null;
  readonly publishEverySeconds: number;
  /** Replica: how often to look for a newly published file. */
  readonly watchIntervalMs: number;
  /** DuckDB's memory limit ('2GB'; null: DuckDB's default, 80% of RAM). */
  readonly memoryLimit: string | null;
}

export type ConfigFlag =
  | 'db' | 'host' | 'port' | 'maxCost' | 'maxDepth' | 'maxPage' | 'maxAliases' | 'maxTokens' | 'deadline' | 'anonymous'
  | 'computeRoles' | 'corsOrigin' | 'readers' | 'cacheEntries' | 'parquet' | 'publish' | 'publishEvery' | 'watchInterval' | 'memoryLimit';

/** Defaults, overridden by environment variables, overridden by flags. */
export function resolveConfig(
  flags: Partial<Record<Exclude<ConfigFlag, 'corsOrigin'>, string>> & { corsOrigin?: string | string[]; readOnly?: boolean; importRoot?: readonly string[] } = {},
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
  const parquet = flags.parquet ?? env.CORTEXQL_PARQUET ?? null;
  const readOnly = flags.readOnly === true || env.CORTEXQL_READ_ONLY === '1';
  const publish = flags.publish ?? env.CORTEXQL_PUBLISH ?? null;
  if (readOnly && parquet) throw badInput('give --read-only (a published DuckDB file) or --parquet (an export folder), not both');
  if (publish && (readOnly || parquet)) throw badInput('--publish needs the writer: not with --read-only or --parquet');
  // Replicas serve what is there: the demo is built only by a writer.
  const demo = !readOnly && !parquet && (db === DEFAULT_WAREHOUSE || env.CORTEXQL_DEMO === '1');
  const maxCost = int(pick(flags.maxCost, 'CORTEXQL_MAX_COST', '200000'), 'max cost', 1, 1e9);
  // Anonymous read is on for the demo and off by default for real deployments.
  const anonymous = pick(flags.anonymous, 'CORTEXQL_ANONYMOUS', demo ? 'reader' : 'none');
  if (!(anonymous === 'none' || isRole(anonymous))) throw badInput(`anonymous access must be none, reader, writer or admin (got '${anonymous}')`);
  const defaults = defaultComputeAccess(demo);
  const quota = (role: ComputeRole) => {
    const name = `CORTEXQL_QUOTA_${role.toUpperCase()}`;
    return env[name] === undefined ? defaults.quotas[role] : parseQuota(env[name], name);
  };
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
      compute: {
        roles: flags.computeRoles ?? env.CORTEXQL_COMPUTE_ROLES ? parseComputeRoles((flags.computeRoles ?? env.CORTEXQL_COMPUTE_ROLES)!) : defaults.roles,
        quotas: Object.fromEntries(COMPUTE_ROLES.map((r) => [r, quota(r)])) as Record<ComputeRole, Quota | null>,
      },
    },
    demo,
    exportDir: pick(undefined, 'CORTEXQL_EXPORT_DIR', join(dirname(db === ':memory:' ? DEFAULT_WAREHOUSE : db), 'exports')),
    redisUrl: env.CORTEXQL_REDIS_URL || env.REDIS_URL || null,
    warehouse: {
      readers: int(pick(flags.readers, 'CORTEXQL_READERS', String(defaultReaders())), 'readers', 1, 256),
      cacheEntries: int(pick(flags.cacheEntries, 'CORTEXQL_CACHE_ENTRIES', '256'), 'cache entries', 0, 1_000_000),
      readOnly,
      parquet,
      publish,
      publishEverySeconds: int(pick(flags.publishEvery, 'CORTEXQL_PUBLISH_EVERY', '10'), 'publish interval (s)', 1, 86_400),
      watchIntervalMs: int(pick(flags.watchInterval, 'CORTEXQL_WATCH_INTERVAL', '1000'), 'watch interval (ms)', 10, 3_600_000),
      memoryLimit: memoryLimit(flags.memoryLimit ?? env.CORTEXQL_MEMORY_LIMIT ?? null),
    },
    deadlineMs: int(pick(flags.deadline, 'CORTEXQL_DEADLINE_SECONDS', '30'), 'deadline (seconds)', 1, 86_400) * 1000,
    ...(env.CORTEXQL_HEAVY_CONCURRENCY ? { heavyConcurrency: int(env.CORTEXQL_HEAVY_CONCURRENCY, 'heavy concurrency', 1, 1024) } : {}),
    ...(env.CORTEXQL_HEAVY_QUEUE ? { heavyQueue: int(env.CORTEXQL_HEAVY_QUEUE, 'heavy queue', 0, 1_000_000) } : {}),
    // Repeatable --import-root, else CORTEXQL_IMPORT_ROOTS (folders separated by ':'); none by default.
    importRoots: flags.importRoot?.length ? [...flags.importRoot] : (env.CORTEXQL_IMPORT_ROOTS ?? '').split(delimiter).filter((d) => d.trim() !== ''),
    uploads: {
      dir: pick(undefined, 'CORTEXQL_UPLOAD_DIR', join(dirname(db === ':memory:' ? DEFAULT_WAREHOUSE : db), 'uploads')),
      maxBytes: int(pick(undefined, 'CORTEXQL_MAX_UPLOAD_BYTES', String(2 ** 31)), 'max upload bytes', 1, 2 ** 50),
      quotaBytes: int(pick(undefined, 'CORTEXQL_UPLOAD_QUOTA_BYTES', String(2 ** 33)), 'upload quota bytes', 1, 2 ** 52),
      ttlMs: int(pick(undefined, 'CORTEXQL_UPLOAD_TTL_SECONDS', '3600'), 'upload TTL (seconds)', 1, 365 * 86_400) * 1000,
    },
    corsOrigins: corsOrigins(flags.corsOrigin ?? env.CORTEXQL_CORS_ORIGINS),
  };
}

/** `--cors-origin` (repeatable, or comma-separated) / CORTEXQL_CORS_ORIGINS: exact origins such as https://observablehq.com, or '*'. */
function corsOrigins(value: string | readonly string[] | undefined): string[] {
  const list = (typeof value === 'string' ? [value] : (value ?? [])).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  for (const origin of list) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw badInput(`a CORS origin is '*' or scheme://host[:port] with nothing after it, e.g. https://observablehq.com (got '${origin}')`);
    }
  }
  return [...new Set(list)];
}

function memoryLimit(text: string | null): string | null {
  if (text === null) return null;
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(text)) throw badInput(`memory limit must be a size such as 2GB or 512MiB (got '${text}')`);
  return text;
}
