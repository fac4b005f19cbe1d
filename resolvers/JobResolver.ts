import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { badInput } from '../errors/CortexError.js';
import { ComputeCellsInput, Job, JobConnection } from '../schema/Job.type.js';
import { JobKind, JobStatus } from '../schema/enums.js';
import { encodingJob, internalJob, type JobSpec } from '../services/jobs/jobSpec.js';
import type { Scheduler } from '../services/jobs/Scheduler.js';
import { featureSteps } from '../warehouse/fmriRepo.js';
import { jobsByIds, listJobs, type JobRow } from '../warehouse/jobsRepo.js';
import type { Context } from './context.js';
import { withoutNulls } from './withoutNulls.js';
import { checkFirst, decodeCursor, encodeCursor, toPage } from './pagination.js';
import { requireModel } from './ModelResolver.js';

export function toJob(row: JobRow): Job {
  const spec = JSON.parse(row.specJson) as JobSpec;
  const elapsed = row.started && row.status === 'RUNNING' ? (Date.now() - new Date(row.started).getTime()) / 1000 : null;
  const eta = elapsed !== null && row.progress > 0 ? (elapsed * (1 - row.progress)) / row.progress : null;
  return {
    id: row.jobId, kind: row.kind, status: row.status, modelId: spec.modelId, step: spec.step, dataset: spec.datasetId,
    cellKey: row.cellKey, priority: row.priority, attempts: row.attempts, device: row.device, error: row.error, runId: row.runId,
    created: row.created, started: row.started, finished: row.finished,
    progress: { fraction: row.progress, cellsDone: row.cellsDone, cellsTotal: row.cellsTotal, etaSeconds: eta },
  };
}

function requireScheduler(ctx: Context): Scheduler {
  if (!ctx.scheduler) throw badInput('this server computes nothing on demand (no scheduler)');
  return ctx.scheduler;
}

@Resolver()
export class JobResolver {
  @Query(() => Job, { description: 'One job with its progress; poll it to follow a computation.' })
  async job(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Job> {
    const [row] = await jobsByIds(ctx.wh, [id]);
    if (!row) throw badInput(`job '${id}' does not exist`);
    return toJob(row);
  }

  @Query(() => JobConnection, { description: 'Jobs, newest first, optionally of one status.' })
  async jobs(
    @Ctx() ctx: Context,
    @Arg('first', () => Int) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('status', () => JobStatus, { nullable: true }) status: JobStatus | null,
  ): Promise<JobConnection> {
    const limit = checkFirst(first, ctx.limits.maxPageSize);
    const { rows, total } = await listJobs(ctx.wh, status ?? null, decodeCursor('job', after), limit);
    return { ...toPage(rows, limit, (r) => encodeCursor('job', r.jobId), toJob), totalCount: total };
  }

  @Mutation(() => [Job], { description: 'Precomputes cells in bulk: one job per (model, step); jobs already queued or running are reused.' })
  async computeCells(@Ctx() ctx: Context, @Arg('request', () => ComputeCellsInput) request: ComputeCellsInput): Promise<Job[]> {
    const scheduler = requireScheduler(ctx);
    await Promise.all(request.models.map((m) => requireModel(ctx, m)));
    const params = withoutNulls(request.params);
    const jobs: JobRow[] = [];
    for (const modelId of request.models) {
      const steps = request.steps ?? (await featureSteps(ctx.wh, modelId, request.dataset));
      for (const step of steps) {
        const spec = request.kind === JobKind.ENCODING ? encodingJob(modelId, step, request.dataset, params) : internalJob(modelId, step, request.dataset);
        jobs.push(await scheduler.submit(spec, { priority: request.priority ?? 0, retryFailed: request.retryFailed ?? false }));
      }
    }
    return jobs.map(toJob);
  }

  @Mutation(() => Job, { description: 'Cancels a queued or running job (nothing of it is written).' })
  async cancelJob(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Job> {
    return toJob(await requireScheduler(ctx).cancel(id));
  }
}
