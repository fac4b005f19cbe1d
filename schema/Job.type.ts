import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { EncodingParamsInput } from './Brain.type.js';
import { ConnectionBase } from './connection.js';
import { JobKind, JobStatus } from './enums.js';

@ObjectType({ simpleResolvers: true, description: 'Progress of a job; poll `job(id)` to follow it.' })
export class JobProgress {
  @Field(() => Float, { description: '0–1.' }) fraction!: number;
  @Field(() => Int) cellsDone!: number;
  @Field(() => Int) cellsTotal!: number;
  @Field(() => Float, { nullable: true, description: 'Seconds left, extrapolated from the progress so far.' }) etaSeconds!: number | null;
}

@ObjectType({ simpleResolvers: true, description: 'A computation of one checkpoint’s cells (all layers and subjects) for one dataset.' })
export class Job {
  @Field(() => ID) id!: string;
  @Field(() => JobKind) kind!: JobKind;
  @Field(() => JobStatus) status!: JobStatus;
  @Field(() => ID) modelId!: string;
  @Field(() => Int) step!: number;
  @Field(() => ID) dataset!: string;
  @Field(() => String, { description: 'The cells it computes: kind:model@step:dataset:paramsHash.' }) cellKey!: string;
  @Field(() => Int) priority!: number;
  @Field(() => Int) attempts!: number;
  @Field(() => JobProgress) progress!: JobProgress;
  @Field(() => String, { nullable: true, description: 'Where it ran (GEMM provider, eigendecomposition backend).' }) device!: string | null;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => ID, { nullable: true, description: 'The `runs` row of its results.' }) runId!: string | null;
  @Field(() => Date) created!: Date;
  @Field(() => Date, { nullable: true }) started!: Date | null;
  @Field(() => Date, { nullable: true }) finished!: Date | null;
}

@ObjectType()
export class JobEdge {
  @Field(() => String) cursor!: string;
  @Field(() => Job) node!: Job;
}

@ObjectType({ description: 'Jobs, newest first.' })
export class JobConnection extends ConnectionBase {
  @Field(() => [JobEdge]) edges!: JobEdge[];
  @Field(() => [Job]) nodes!: Job[];
}

@InputType({ description: 'Cells to precompute: one job per (model, step).' })
export class ComputeCellsInput {
  @Field(() => JobKind) kind!: JobKind;
  @Field(() => [ID]) models!: string[];
  @Field(() => ID) dataset!: string;
  @Field(() => [Int], { nullable: true, description: 'Default: every step with features for the dataset.' }) steps?: number[];
  @Field(() => EncodingParamsInput, { nullable: true }) params?: EncodingParamsInput;
  @Field(() => Int, { nullable: true, description: 'Higher runs first [0; interactive requests use 10].' }) priority?: number;
  @Field(() => Boolean, { nullable: true, description: 'Also retry jobs that FAILED [false].' }) retryFailed?: boolean;
}
