import { FileAccess } from '../services/fileAccess.js';
import type { Scheduler } from '../services/jobs/Scheduler.js';
import type { Role } from '../warehouse/apiKeysRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { createLoaders, type Loaders } from './loaders.js';

/** Who is asking: a key's role, or the anonymous role (null = anonymous access is off). */
export interface Principal {
  readonly role: Role | null;
  readonly keyId: string | null;
  /** Rate-limit bucket: the key, or the client address for anonymous requests. */
  readonly bucket: string;
}

export interface ApiLimits {
  /** The largest `first` a connection accepts. */
  readonly maxPageSize: number;
  readonly maxDepth: number;
  /** The cost ceiling of this request (per role). */
  readonly maxCost: number;
  /** Aliases, expanded field selections and directives one operation may have (server/cost/analyzeOperation.ts). */
  readonly maxAliases?: number;
  readonly maxFields?: number;
  readonly maxDirectives?: number;
  /** Lexical tokens of one document. */
  readonly maxTokens?: number;
}

/** Per-request context: the warehouse, who is asking, and fresh DataLoaders (caches never outlive a request). */
export interface Context {
  readonly wh: Warehouse;
  readonly loaders: Loaders;
  readonly limits: ApiLimits;
  readonly principal: Principal;
  /** Where exportBundle writes (null: exports are off for this server). */
  readonly exportDir: string | null;
  /** Computes missing cells on demand (null: this server computes nothing lazily). */
  readonly scheduler: Scheduler | null;
  /** Aborted when the client goes away or the request's deadline passes: heavy work stops with it. */
  readonly signal: AbortSignal;
  /** Gives the request more time before its deadline (fields that wait for a job). */
  readonly extendDeadline?: (ms: number) => void;
  /** The files this request may name: inside the operator's import roots, or the caller's uploads (services/fileAccess.ts). */
  readonly files: FileAccess;
}

export const ADMIN_PRINCIPAL: Principal = { role: 'admin', keyId: null, bucket: 'local' };

export function createContext(
  wh: Warehouse,
  limits: ApiLimits,
  options: { principal?: Principal; exportDir?: string | null; scheduler?: Scheduler | null; signal?: AbortSignal; extendDeadline?: (ms: number) => void; files?: FileAccess } = {},
): Context {
  return {
    wh, loaders: createLoaders(wh), limits, principal: options.principal ?? ADMIN_PRINCIPAL, exportDir: options.exportDir ?? null,
    scheduler: options.scheduler ?? null, signal: options.signal ?? new AbortController().signal, extendDeadline: options.extendDeadline,
    // Without a configuration, no server-side path is readable.
    files: options.files ?? FileAccess.confined([], null, null),
  };
}
