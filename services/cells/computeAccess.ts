import { badInput, CortexError } from '../../errors/CortexError.js';
import { isRole, ROLES, type Role } from '../../warehouse/apiKeysRepo.js';
import type { JobRow } from '../../warehouse/jobsRepo.js';
import { Mutex } from '../../warehouse/Mutex.js';

/**
 * Who may start computations by asking for cells, and how much. Reading stored cells is open to
 * every reader; starting work costs real compute, so it is a separate right: per principal kind
 * (requests without a key are `anonymous`, whatever role they are served with) and with a quota
 * per key (or per client address, for anonymous requests): jobs queued or running at once, and
 * compute seconds per hour.
 */
export type ComputeRole = Role | 'anonymous';
export const COMPUTE_ROLES: readonly ComputeRole[] = ['anonymous', ...ROLES];

export interface Quota {
  /** Jobs this principal started that may be queued or running at once. */
  readonly jobs: number;
  /** Seconds of computation (a job's running time on its worker) this principal may start per hour. */
  readonly cpuSecondsPerHour: number;
}

export interface ComputeAccessConfig {
  /** Who may start computations; the others get stored cells only. */
  readonly roles: readonly ComputeRole[];
  /** Per principal kind; null: no quota. */
  readonly quotas: Readonly<Record<ComputeRole, Quota | null>>;
}

/** Defaults: keyed readers 16 jobs / 1 compute-hour per hour; anonymous (where allowed) 4 jobs / 10 minutes; writers and admins unlimited. */
export const DEFAULT_QUOTAS: Readonly<Record<ComputeRole, Quota | null>> = {
  anonymous: { jobs: 4, cpuSecondsPerHour: 600 },
  reader: { jobs: 16, cpuSecondsPerHour: 3600 },
  writer: null,
  admin: null,
};

/** Outside the demo, requests without a key read stored cells only; the demo lets them start work within their small quota. */
export function defaultComputeAccess(demo: boolean): ComputeAccessConfig {
  return { roles: demo ? COMPUTE_ROLES : ROLES, quotas: DEFAULT_QUOTAS };
}

/** Everyone may compute, without quotas: in-process tools and tests. */
export const UNRESTRICTED_COMPUTE: ComputeAccessConfig = { roles: COMPUTE_ROLES, quotas: { anonymous: null, reader: null, writer: null, admin: null } };

/** `anonymous,reader` → the roles; `none` → nobody. */
export function parseComputeRoles(text: string): ComputeRole[] {
  if (text.trim() === 'none') return [];
  const roles = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = roles.filter((r) => r !== 'anonymous' && !isRole(r));
  if (bad.length || roles.length === 0) {
    throw badInput(`compute roles must be 'none' or a comma-separated list of ${COMPUTE_ROLES.join(', ')} (got '${text}')`);
  }
  return [...new Set(roles)] as ComputeRole[];
}

/** `16/3600` (jobs at once / compute seconds per hour) → a quota; `none` → no quota. */
export function parseQuota(text: string, name: string): Quota | null {
  if (text.trim() === 'none') return null;
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw badInput(`${name} must be '<jobs at once>/<compute seconds per hour>' (e.g. 16/3600) or 'none' (got '${text}')`);
  return { jobs: Number(m[1]), cpuSecondsPerHour: Number(m[2]) };
}

/** Who asks for cells, as far as computation goes. */
export interface ComputePrincipal {
  readonly role: Role | null;
  /** A request without a key. */
  readonly anonymous: boolean;
  /** Whose quota: the key, or the client address. */
  readonly bucket: string;
}

/** Whether a principal may start one more job now. Plain data with a `kind` discriminant. */
export type StartDecision =
  | { readonly kind: 'allowed' }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'quota'; readonly reason: string; readonly error: CortexError<'QUOTA_EXCEEDED'> };

const HOUR_MS = 3_600_000;

interface Charge {
  readonly jobId: string;
  readonly at: number;
}

/**
 * Decides who may start jobs and keeps each principal's quota. The ledger is in memory (like the
 * rate limits): it remembers which jobs each principal started in the last hour, and reads their
 * state (queued, running, how long they ran) from the jobs table when it decides. A job shared by
 * several requests is charged to the one that started it.
 */
export class ComputeAccess {
  private readonly charges = new Map<string, Charge[]>();
  private readonly locks = new Map<string, Mutex>();

  constructor(
    readonly config: ComputeAccessConfig,
    /** Reads job rows fresh (the Scheduler's ledger). */
    private readonly jobsByIds: (ids: readonly string[]) => Promise<JobRow[]>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `who` may start work at all, and if not the reason a cell says. */
  refusal(who: ComputePrincipal): string | null {
    const kind: ComputeRole | null = who.anonymous ? 'anonymous' : who.role;
    if (kind !== null && this.config.roles.includes(kind)) return null;
    const allowed = this.config.roles.filter((r) => r !== 'anonymous');
    return who.anonymous
      ? `not computed: requests without an API key read stored cells only on this server${allowed.length ? ` (a key with role ${allowed.join(', ')} may start computations)` : ''}`
      : `not computed: role ${who.role} reads stored cells only on this server (--compute-roles)`;
  }

  /**
   * Takes one job's place in `who`'s quota if there is room, and charges `jobId` to it. Decisions
   * for one principal are taken one at a time, so concurrent requests cannot overdraw a quota.
   */
  async start(who: ComputePrincipal, jobId: string): Promise<StartDecision> {
    const refused = this.refusal(who);
    if (refused) return { kind: 'refused', reason: refused };
    const quota = this.config.quotas[who.anonymous ? 'anonymous' : who.role!];
    if (!quota) return { kind: 'allowed' };
    let lock = this.locks.get(who.bucket);
    if (!lock) this.locks.set(who.bucket, (lock = new Mutex()));
    return lock.run(async () => {
      const usage = await this.usage(who.bucket);
      const over =
        usage.live.length >= quota.jobs
          ? { what: `${usage.live.length} of ${quota.jobs} jobs queued or running`, retryAfterSeconds: retryForJobs(usage.live, this.now()) }
          : usage.cpuSeconds >= quota.cpuSecondsPerHour
            ? { what: `${Math.round(usage.cpuSeconds)} of ${quota.cpuSecondsPerHour} compute seconds this hour`, retryAfterSeconds: retryForSeconds(usage.intervals, quota.cpuSecondsPerHour, this.now()) }
            : null;
      if (over) {
        const reason = `not computed: compute quota used up (${over.what}); retry in ${over.retryAfterSeconds} s`;
        const error = new CortexError('QUOTA_EXCEEDED', `compute quota used up: ${over.what}; stored cells are answered, missing ones start no computation; retry in ${over.retryAfterSeconds} s`, {
          retryAfterSeconds: over.retryAfterSeconds, jobs: quota.jobs, cpuSecondsPerHour: quota.cpuSecondsPerHour,
        });
        return { kind: 'quota', reason, error };
      }
      const list = this.charges.get(who.bucket) ?? [];
      list.push({ jobId, at: this.now() });
      this.charges.set(who.bucket, list);
      return { kind: 'allowed' };
    });
  }

  /** A principal's live jobs and the compute seconds its jobs ran in the last hour; forgets charges older than that. */
  private async usage(bucket: string): Promise<{ live: JobRow[]; cpuSeconds: number; intervals: [number, number][] }> {
    const now = this.now();
    const charged = this.charges.get(bucket) ?? [];
    const rows = new Map((charged.length ? await this.jobsByIds([...new Set(charged.map((c) => c.jobId))]) : []).map((j) => [j.jobId, j]));
    const live: JobRow[] = [];
    const intervals: [number, number][] = [];
    const kept: Charge[] = [];
    for (const charge of charged) {
      const job = rows.get(charge.jobId);
      const running = job?.status === 'QUEUED' || job?.status === 'RUNNING';
      if (running) live.push(job);
      const start = job?.started ? new Date(job.started).getTime() : null;
      const end = job?.finished ? new Date(job.finished).getTime() : job?.status === 'RUNNING' ? now : null;
      if (start !== null && end !== null && end > now - HOUR_MS) intervals.push([Math.max(start, now - HOUR_MS), end]);
      if (running || (end ?? charge.at) > now - HOUR_MS) kept.push(charge);
    }
    this.charges.set(bucket, kept);
    return { live, cpuSeconds: intervals.reduce((s, [a, b]) => s + (b - a) / 1000, 0), intervals };
  }
}

/** When one of the live jobs should be done: the earliest progress-extrapolated finish, else 30 s. */
function retryForJobs(live: readonly JobRow[], now: number): number {
  const etas = live.flatMap((j) => (j.status === 'RUNNING' && j.started && j.progress > 0 ? [((now - new Date(j.started).getTime()) / 1000) * ((1 - j.progress) / j.progress)] : []));
  return Math.max(1, Math.ceil(etas.length ? Math.min(...etas) : 30));
}

/** When the hour's window will have slid past enough of the seconds used so far to be under the quota (running jobs taken as they stand). */
function retryForSeconds(intervals: readonly [number, number][], limit: number, now: number): number {
  const usedAt = (t: number) => intervals.reduce((s, [a, b]) => s + Math.max(0, b - Math.max(a, t - HOUR_MS)) / 1000, 0);
  // Every interval ends by now, so usage only falls as the window slides: bisect for the first moment under the limit.
  let [lo, hi] = [now, now + HOUR_MS];
  if (usedAt(hi) >= limit) return HOUR_MS / 1000;
  while (hi - lo > 500) {
    const mid = (lo + hi) / 2;
    if (usedAt(mid) < limit) hi = mid;
    else lo = mid;
  }
  return Math.max(1, Math.ceil((hi - now) / 1000));
}
