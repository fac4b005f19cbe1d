import { FileAccess } from '../services/fileAccess.js';
import type { CortexError } from '../errors/CortexError.js';
import { CellService } from '../services/cells/CellService.js';
import type { ComputeAccess, ComputePrincipal } from '../services/cells/computeAccess.js';
import type { Scheduler } from '../services/jobs/Scheduler.js';
import { KnownChecks } from '../services/requireKnown.js';
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
  /** Who may start computations, and their quotas (null: everyone, unlimited). */
  readonly access: ComputeAccess | null;
  /** Checks of names against what exists (NOT_FOUND with suggestions), each run once per request. */
  readonly known: KnownChecks;
  /** The lazy path of this request: stored cells, and what happens about missing ones. */
  readonly cells: CellService;
  /**
   * Errors reported beside the data (a used-up compute quota): the field still answers — stored
   * cells, the others MISSING with the reason — and the server adds these to the response's `errors`.
   */
  readonly notices: CortexError[];
  /** Aborted when the client goes away or the request's deadline passes: heavy work stops with it. */
  readonly signal: AbortSignal;
  /** Gives the request more time before its deadline (fields that wait for a job). */
  readonly extendDeadline?: (ms: number) => void;
  /** The files this request may name: inside the operator's import roots, or the caller's uploads (services/fileAccess.ts). */
  readonly files: FileAccess;
  /** Counts an answer as a refused request although its status is 200 (server/responseStatus.ts). */
  readonly onRefused?: () => void;
}

export const ADMIN_PRINCIPAL: Principal = { role: 'admin', keyId: null, bucket: 'local' };

export function createContext(
  wh: Warehouse,
  limits: ApiLimits,
  options: {
    principal?: Principal; exportDir?: string | null; scheduler?: Scheduler | null; access?: ComputeAccess | null; signal?: AbortSignal;
    extendDeadline?: (ms: number) => void; onRefused?: () => void; files?: FileAccess;
  } = {},
): Context {
  const principal = options.principal ?? ADMIN_PRINCIPAL;
  const scheduler = options.scheduler ?? null;
  const access = options.access ?? null;
  const notices: CortexError[] = [];
  const report = (e: CortexError) => {
    if (!notices.some((n) => n.code === e.code)) notices.push(e);
  };
  const known = new KnownChecks(wh);
  return {
    wh, loaders: createLoaders(wh), limits, principal, exportDir: options.exportDir ?? null, scheduler, access, known,
    cells: new CellService(wh, known, scheduler, computePrincipal(principal), access, report), notices,
    signal: options.signal ?? new AbortController().signal, extendDeadline: options.extendDeadline, onRefused: options.onRefused,
    // Without a configuration, no server-side path is readable.
    files: options.files ?? FileAccess.confined([], null, null),
  };
}

/** The principal as far as starting computations goes: a request without a key is anonymous, whatever role it is served with. */
export function computePrincipal(p: Principal): ComputePrincipal {
  return { role: p.role, anonymous: p.keyId === null, bucket: p.bucket };
}
