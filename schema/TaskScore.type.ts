import { SafeIntResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { TaskGroup } from '../warehouse/taskGroups.js';
import type { ScoreRow, TaskInfoRow, TrajectoryRow } from '../warehouse/taskScoresRepo.js';

@ObjectType({ simpleResolvers: true, description: 'A benchmark result at one checkpoint: a stored task, or a task group computed at query time.' })
export class TaskScore implements Omit<ScoreRow, 'modelId' | 'step'> {
  @Field(() => String)
  task!: string;

  @Field(() => String)
  metric!: string;

  @Field(() => Number)
  value!: number;

  @Field(() => Number, { nullable: true, description: 'Standard error; for a group sqrt(Σ stderr²)/n.' })
  stderr!: number | null;

  @Field(() => Int, { description: 'Stored tasks the value covers: 1 for a task, the members present for a group.' })
  nTasks!: number;
}

@ObjectType({ simpleResolvers: true, description: 'One point of a trajectory over training.' })
export class TrajectoryPoint implements Omit<TrajectoryRow, 'modelId' | 'task' | 'metric'> {
  @Field(() => Int)
  step!: number;

  @Field(() => SafeIntResolver, { nullable: true })
  tokens!: number | null;

  @Field(() => Number, { nullable: true })
  fraction!: number | null;

  @Field(() => Number)
  value!: number;

  @Field(() => Number, { nullable: true })
  stderr!: number | null;

  @Field(() => Int)
  nTasks!: number;
}

@ObjectType({ simpleResolvers: true, description: 'A stored task with the metrics recorded for it.' })
export class TaskInfo implements TaskInfoRow {
  @Field(() => String)
  task!: string;

  @Field(() => [String])
  metrics!: string[];

  @Field(() => Int, { description: 'Models with at least one score for the task.' })
  nModels!: number;

  @Field(() => Int, { description: '(model, step) checkpoints with a score for the task.' })
  nCheckpoints!: number;
}

@ObjectType({ simpleResolvers: true, description: 'A task group: an unweighted mean over member tasks, computed at query time.' })
export class TaskGroupInfo implements TaskGroup {
  @Field(() => ID)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => [String], { description: 'SQL LIKE patterns (escape \\) selecting the member tasks.' })
  patterns!: string[];
}
