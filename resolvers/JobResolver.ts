import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { badInput, notFound } from '../errors/CortexError.js';
import { ComputeCellsInput, ComputeCellsResult, Job, JobConnection } from '../schema/Job.type.js';
import { JobStatus } from '../schema/enums.js';
import { computeCells } from '../services/cells/computeCells.js';
import type { JobSpec } from '../services/jobs/jobSpec.js';
import type { Scheduler } from '../services/jobs/Scheduler.js';
import { jobsByIds, listJobs, type JobRow } from '../warehouse/jobsRepo.js';
import { computePrincipal, type Context } from './context.js';
import { withoutNulls } from './withoutNulls.js';
import { checkFirst, decodeCursor, encodeCursor, toPage } from './pagination.js';

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
  @Query(() => Job, { nullable: true, description: 'One job with its progress; poll it to follow a computation. null with NOT_FOUND in `errors` for an unknown id.' })
  async job(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'A job id (`jobId` of a cell, or `Job.id`).' }) id: string): Promise<Job> {
    const [row] = await jobsByIds(ctx.wh, [id]);
    if (!row) throw notFound('job', id);
    return toJob(row);
  }

  @Query(() => JobConnection, { nullable: true, description: 'Jobs, newest first, optionally of one status.' })
  async jobs(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { description: 'Page size (required, capped).' }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'The `endCursor` of the previous page.' }) after: string | null,
    @Arg('status', () => JobStatus, { nullable: true, description: 'Only jobs in this status.' }) status: JobStatus | null,
  ): Promise<JobConnection> {
    const limit = checkFirst(first, ctx.limits.maxPageSize);
    const { rows, total } = await listJobs(ctx.wh, status ?? null, decodeCursor('job', after), limit);
    return { ...toPage(rows, limit, (r) => encodeCursor('job', r.jobId), toJob), totalCount: total };
  }

  @Mutation(() => ComputeCellsResult, {
    description:
      'Precomputes cells in bulk: one job per (model, checkpoint). Cells stored already are not computed again (unless ' +
      '`recompute: true`, or `stale: true` for those whose inputs changed), FAILED jobs are not retried (unless `retryFailed: true`), queued or running jobs are reused; the ' +
      'result lists what was queued, what was skipped and why, and sums it up.',
  })
  async computeCells(@Ctx() ctx: Context, @Arg('request', () => ComputeCellsInput, { description: 'What to compute.' }) request: ComputeCellsInput): Promise<ComputeCellsResult> {
    const report = await computeCells(ctx.wh, ctx.scheduler, { who: computePrincipal(ctx.principal), access: ctx.access, report: (e) => ctx.notices.push(e) }, {
      kind: request.kind, models: request.models, datasetId: request.dataset, steps: request.steps ?? null, params: withoutNulls(request.params),
      priority: request.priority ?? 0, retryFailed: request.retryFailed ?? false, recompute: request.recompute ?? false,
      stale: request.stale ?? false,
    });
    return { jobs: report.jobs.map(toJob), skipped: report.skipped.map((s) => ({ ...s })), summary: report.summary };
  }

  @Mutation(() => Job, { description: 'Cancels a queued or running job (nothing of it is written).' })
  async cancelJob(@Ctx() ctx: Context, @Arg('id', () => ID, { description: 'The job id.' }) id: string): Promise<Job> {
    return toJob(await requireScheduler(ctx).cancel(id));
  }
}
