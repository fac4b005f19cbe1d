import { SafeIntResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ScoreSource } from './enums.js';
import type { TaskGroup } from '../warehouse/taskGroups.js';
import type { ScoreRow, TaskInfoRow, TrajectoryRow } from '../warehouse/taskScoresRepo.js';

@ObjectType({
  simpleResolvers: true,
  description:
    'A benchmark result at one checkpoint: a task or a group score from a results file (source FILE), or a task group computed at ' +
    'query time where no file holds it (source COMPUTED). Example: `taskScore(task: "mmlu") { value source nTasks groupSubtasks ' +
    'provenance { file harnessVersion nShot } }`.',
})
export class TaskScore implements Omit<ScoreRow, 'modelId' | 'step'> {
  @Field(() => String)
  task!: string;

  @Field(() => String)
  metric!: string;

  @Field(() => Number, { nullable: true, description: 'null when undefined: the file held NaN/Infinity, or a member of a computed group has no value (`nullReason`).' })
  value!: number | null;

  @Field(() => Number, { nullable: true, description: 'Standard error; for a computed group sqrt(Σ stderr²)/n.' })
  stderr!: number | null;

  @Field(() => Int, { description: 'Leaf tasks the value covers: 1 for a task, the file\'s leaf count for a file\'s group, the members present for a computed group.' })
  nTasks!: number;

  @Field(() => ScoreSource)
  source!: ScoreSource;

  @Field(() => String, { nullable: true, description: 'Why `value` is null.' })
  nullReason!: string | null;

  @Field(() => [String], { nullable: true, description: 'A file\'s group: its subtasks as the file lists them (group_subtasks); a computed group: the leaf tasks averaged; a task: null.' })
  groupSubtasks!: string[] | null;

  sourceSha256!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'One point of a trajectory over training.' })
export class TrajectoryPoint implements Omit<TrajectoryRow, 'modelId' | 'task' | 'metric' | 'groupSubtasks' | 'sourceSha256'> {
  @Field(() => Int)
  step!: number;

  @Field(() => SafeIntResolver, { nullable: true })
  tokens!: number | null;

  @Field(() => Number, { nullable: true })
  fraction!: number | null;

  @Field(() => Number, { nullable: true, description: 'null when undefined (`nullReason`).' })
  value!: number | null;

  @Field(() => Number, { nullable: true })
  stderr!: number | null;

  @Field(() => Int)
  nTasks!: number;

  @Field(() => ScoreSource)
  source!: ScoreSource;

  @Field(() => String, { nullable: true })
  nullReason!: string | null;
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

@ObjectType({ simpleResolvers: true, description: 'A task group: where no results file holds its score, the unweighted mean over its leaf tasks, computed at query time.' })
export class TaskGroupInfo implements TaskGroup {
  @Field(() => ID)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => [String], { description: 'SQL LIKE patterns (escape \\) selecting the leaf tasks.' })
  patterns!: string[];
}
