import DataLoader from 'dataloader';
import type { CortexError } from '../../errors/CortexError.js';
import { computableSteps } from '../../warehouse/discoveryRepo.js';
import { jobsByIds, type JobRow } from '../../warehouse/jobsRepo.js';
import type { Warehouse } from '../../warehouse/Warehouse.js';
import { jobCellsStored } from '../jobs/jobIO.js';
import { jobIdFor, type JobSpec } from '../jobs/jobSpec.js';
import type { Scheduler } from '../jobs/Scheduler.js';
import { jobCellState, type CellState, type LazyOptions } from './cellStatus.js';
import type { ComputeAccess, ComputePrincipal } from './computeAccess.js';

/** The longest wait a request may ask for (policy WAIT). */
export const MAX_WAIT_SECONDS = 600;

/**
 * Decides, for one request, what happens to cells that were not found stored — the "decide →
 * submit → wait" of the lazy path (services/cells/CellService.ts reads before and after). A
 * DataLoader keyed by job id collects the request's cells, so all layers and subjects of one
 * (model, step, dataset) are one job; the scheduler's single-flight makes concurrent requests
 * share it too.
 *
 * The answer is READY when the job's cells are stored (the caller reads them again, fresh), and
 * otherwise a status that only moves forward: a cell with a queued, running or succeeded job is
 * never MISSING, and a succeeded job whose cells are stored is never queued again.
 */
export class CellJobs {
  private readonly loaders = new Map<string, DataLoader<JobSpec, CellState, string>>();

  constructor(
    private readonly wh: Warehouse,
    private readonly scheduler: Scheduler | null,
    private readonly who: ComputePrincipal,
    private readonly access: ComputeAccess | null,
    /** Receives errors the request should report beside its data (QUOTA_EXCEEDED). */
    private readonly report: (error: CortexError) => void,
  ) {}

  /** `stale`: the cells are stored but an input changed since — they are recomputed like missing ones. */
  state(spec: JobSpec, lazy: LazyOptions, stale = false): Promise<CellState> {
    const key = `${lazy.policy}:${lazy.waitSeconds}:${stale}`;
    let loader = this.loaders.get(key);
    if (!loader) {
      const waitMs = Math.min(Math.max(lazy.waitSeconds, 0), MAX_WAIT_SECONDS) * 1000;
      loader = new DataLoader((specs) => Promise.all(specs.map((s) => this.decide(s, lazy.policy, waitMs, stale))), { cacheKeyFn: jobIdFor });
      this.loaders.set(key, loader);
    }
    return loader.load(spec);
  }

  private async decide(spec: JobSpec, policy: LazyOptions['policy'], waitMs: number, stale: boolean): Promise<CellState> {
    const id = jobIdFor(spec);
    const [job] = await jobsByIds(this.wh, [id]);
    const known = job ? jobCellState(job) : null;
    if (known?.status === 'PENDING') return policy === 'WAIT' && this.scheduler ? this.settled(await this.scheduler.wait(id, waitMs)) : known;
    // Succeeded (or computed some other way: a direct computation, an imported bundle): its cells are stored — read them.
    if (!stale && (await jobCellsStored(this.wh, spec))) return { status: 'READY', jobId: job?.jobId ?? null, reason: null };
    if (known?.status === 'FAILED') return known;
    // Nothing stored and nothing live: never computed, cancelled, or its cells were removed since.
    if (policy === 'NEVER') return known ?? { status: 'MISSING', jobId: null, reason: 'not computed (policy NEVER starts no computation)' };
    if (!(await computableSteps(this.wh, spec.modelId, spec.datasetId)).includes(spec.step)) {
      return { status: 'NEVER', jobId: null, reason: `no features of ${spec.modelId}@${spec.step} for dataset '${spec.datasetId}' and no ONNX checkpoint to compute them from` };
    }
    if (!this.scheduler) return { status: 'MISSING', jobId: null, reason: 'not computed, and this server computes nothing on demand' };
    const decision = this.access ? await this.access.start(this.who, id) : ({ kind: 'allowed' } as const);
    if (decision.kind === 'refused') return { status: 'MISSING', jobId: null, reason: decision.reason };
    if (decision.kind === 'quota') {
      this.report(decision.error);
      return { status: 'MISSING', jobId: null, reason: decision.reason };
    }
    let submitted = await this.scheduler.submit(spec, { priority: 10, recompute: stale });
    if (policy === 'WAIT') submitted = await this.scheduler.wait(id, waitMs);
    return this.settled(submitted);
  }

  /** A job's state after it was queued or waited for: READY once it succeeded (its cells were written with that status). */
  private settled(job: JobRow): CellState {
    return jobCellState(job) ?? { status: 'READY', jobId: job.jobId, reason: null };
  }
}
