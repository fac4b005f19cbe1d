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
}

export const ADMIN_PRINCIPAL: Principal = { role: 'admin', keyId: null, bucket: 'local' };

export function createContext(
  wh: Warehouse,
  limits: ApiLimits,
  options: { principal?: Principal; exportDir?: string | null; scheduler?: Scheduler | null } = {},
): Context {
  return { wh, loaders: createLoaders(wh), limits, principal: options.principal ?? ADMIN_PRINCIPAL, exportDir: options.exportDir ?? null, scheduler: options.scheduler ?? null };
}
