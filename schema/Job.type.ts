import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { ComputeCellsReport, SkippedCells } from '../services/cells/computeCells.js';
import { EncodingParamsInput } from './Brain.type.js';
import { ConnectionBase } from './connection.js';
import { CellStatus, JobKind, JobStatus } from './enums.js';

@ObjectType({ simpleResolvers: true, description: 'Progress of a job; poll `job(id)` to follow it.' })
export class JobProgress {
  @Field(() => Float, { description: 'Done, from 0 to 1.' }) fraction!: number;
  @Field(() => Int, { description: 'Cells computed so far (layer × subject for encoding).' }) cellsDone!: number;
  @Field(() => Int, { description: 'Cells the job computes.' }) cellsTotal!: number;
  @Field(() => Float, { nullable: true, description: 'Seconds left, extrapolated from the progress so far.' }) etaSeconds!: number | null;
}

@ObjectType({ simpleResolvers: true, description: 'A computation of one checkpoint’s cells (all layers and subjects) for one dataset.' })
export class Job {
  @Field(() => ID, { description: 'Derived from the cells it computes: asking for the same cells again finds the same job.' }) id!: string;
  @Field(() => JobKind, { description: 'What it computes.' }) kind!: JobKind;
  @Field(() => JobStatus, { description: 'Where it is.' }) status!: JobStatus;
  @Field(() => ID, { description: 'The model.' }) modelId!: string;
  @Field(() => Int, { description: 'The checkpoint step.' }) step!: number;
  @Field(() => ID, { description: 'The dataset.' }) dataset!: string;
  @Field(() => String, { description: 'The cells it computes: kind:model@step:dataset:paramsHash.' }) cellKey!: string;
  @Field(() => Int, { description: 'Higher runs first (interactive requests use 10).' }) priority!: number;
  @Field(() => Int, { description: 'Failed attempts so far; a run interrupted by a crash or a shutdown is not one.' }) attempts!: number;
  @Field(() => JobProgress, { description: 'How far it is.' }) progress!: JobProgress;
  @Field(() => String, { nullable: true, description: 'Where it ran (GEMM provider, eigendecomposition backend, worker).' }) device!: string | null;
  @Field(() => String, { nullable: true, description: 'Why it failed.' }) error!: string | null;
  @Field(() => ID, { nullable: true, description: 'The `runs` row of its results.' }) runId!: string | null;
  @Field(() => Date, { description: 'When it was first asked for.' }) created!: Date;
  @Field(() => Date, { nullable: true, description: 'When its last run started.' }) started!: Date | null;
  @Field(() => Date, { nullable: true, description: 'When it finished.' }) finished!: Date | null;
}

@ObjectType({ description: 'A job with its cursor.' })
export class JobEdge {
  @Field(() => String, { description: 'Pass as `after` to continue after this job.' }) cursor!: string;
  @Field(() => Job, { description: 'The job.' }) node!: Job;
}

@ObjectType({ description: 'Jobs, newest first.' })
export class JobConnection extends ConnectionBase {
  @Field(() => [JobEdge], { description: 'The page’s jobs with their cursors.' }) edges!: JobEdge[];
  @Field(() => [Job], { description: 'The page’s jobs, without cursors.' }) nodes!: Job[];
}

@InputType({ description: 'Cells to precompute: one job per (model, checkpoint).' })
export class ComputeCellsInput {
  @Field(() => JobKind, { description: 'ENCODING (brain scores) or INTERNAL (internal-state metrics).' }) kind!: JobKind;
  @Field(() => [ID], { description: 'Model ids; an unknown one is NOT_FOUND and nothing is queued.' }) models!: string[];
  @Field(() => ID, { description: 'The fMRI dataset.' }) dataset!: string;
  @Field(() => [Int], { nullable: true, description: 'Checkpoint steps. Default: every checkpoint with features for the dataset or an ONNX file to extract them from.' }) steps?: number[];
  @Field(() => EncodingParamsInput, { nullable: true, description: 'Encoding parameters (ENCODING only) [the defaults].' }) params?: EncodingParamsInput;
  @Field(() => Int, { nullable: true, description: 'Higher runs first [0; interactive requests use 10].' }) priority?: number;
  @Field(() => Boolean, { nullable: true, description: 'Also retry jobs that FAILED [false].' }) retryFailed?: boolean;
  @Field(() => Boolean, { nullable: true, description: 'Compute cells that are stored already again, replacing them [false]: without it, stored cells are left as they are.' }) recompute?: boolean;
  @Field(() => Boolean, {
    nullable: true,
    description: 'Compute again the stored cells that are STALE (an input changed since they were computed), replacing them [false]; current cells are left as they are.',
  })
  stale?: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'A checkpoint for which computeCells queued nothing, and why.' })
export class SkippedCheckpoint implements SkippedCells {
  @Field(() => ID, { description: 'The model.' }) modelId!: string;
  @Field(() => Int, { description: 'The checkpoint step.' }) step!: number;
  @Field(() => CellStatus, { description: 'READY (stored already), FAILED (not retried), NEVER (nothing to compute from) or MISSING (not allowed, or over quota).' }) status!: CellStatus;
  @Field(() => ID, { nullable: true, description: 'Its job, if it has one.' }) jobId!: string | null;
  @Field(() => String, { description: 'Why nothing was queued, and how to change that.' }) reason!: string;
}

@ObjectType({ simpleResolvers: true, description: 'What computeCells did: the jobs queued (or found queued), the checkpoints skipped and why, in one summary.' })
export class ComputeCellsResult implements Omit<ComputeCellsReport, 'jobs'> {
  @Field(() => [Job], { description: 'Jobs queued by this call, or found queued or running already (poll them with `job(id)`).' }) jobs!: Job[];
  @Field(() => [SkippedCheckpoint], { description: 'Checkpoints for which nothing was queued, each with why.' }) skipped!: SkippedCheckpoint[];
  @Field(() => String, { description: 'What was done, or why nothing was queued, in one sentence.' }) summary!: string;
}
