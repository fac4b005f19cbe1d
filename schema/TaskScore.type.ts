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
  @Field(() => String, { description: 'The task or task group.' })
  task!: string;

  @Field(() => String, { description: 'The metric.' })
  metric!: string;

  @Field(() => Number, { nullable: true, description: 'The value (for a group, the mean over its members present); null when undefined: the file held NaN/Infinity, or a member of a computed group has no value (`nullReason`).' })
  value!: number | null;

  @Field(() => Number, { nullable: true, description: 'Standard error; for a computed group sqrt(Σ stderr²)/n.' })
  stderr!: number | null;

  @Field(() => Int, { description: 'Leaf tasks the value covers: 1 for a task, the file\'s leaf count for a file\'s group, the members present for a computed group.' })
  nTasks!: number;

  @Field(() => ScoreSource, { description: 'FILE: stored from a results file; COMPUTED: a task group averaged at query time.' })
  source!: ScoreSource;

  @Field(() => String, { nullable: true, description: 'Why `value` is null.' })
  nullReason!: string | null;

  @Field(() => [String], { nullable: true, description: 'A file\'s group: its subtasks as the file lists them (group_subtasks); a computed group: the leaf tasks averaged; a task: null.' })
  groupSubtasks!: string[] | null;

  sourceSha256!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'One point of a trajectory over training.' })
export class TrajectoryPoint implements Omit<TrajectoryRow, 'modelId' | 'task' | 'metric' | 'groupSubtasks' | 'sourceSha256'> {
  @Field(() => Int, { description: 'The training step.' })
  step!: number;

  @Field(() => SafeIntResolver, { nullable: true, description: 'Training tokens seen at this step.' })
  tokens!: number | null;

  @Field(() => Number, { nullable: true, description: 'step / the model’s final step (0–1).' })
  fraction!: number | null;

  @Field(() => Number, { nullable: true, description: 'The value (for a group, the mean over its members present); null when undefined (`nullReason`).' })
  value!: number | null;

  @Field(() => Number, { nullable: true, description: 'Standard error; for a group sqrt(Σ stderr²)/n.' })
  stderr!: number | null;

  @Field(() => Int, { description: 'Stored tasks the value covers: 1 for a task, the members present for a group.' })
  nTasks!: number;

  @Field(() => ScoreSource, { description: 'FILE: stored from a results file; COMPUTED: a task group averaged at query time.' })
  source!: ScoreSource;

  @Field(() => String, { nullable: true, description: 'Why `value` is null.' })
  nullReason!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'A stored task with the metrics recorded for it.' })
export class TaskInfo implements TaskInfoRow {
  @Field(() => String, { description: 'The task, as `task` arguments take it.' })
  task!: string;

  @Field(() => [String], { description: 'Its metrics, as `metric` arguments take them.' })
  metrics!: string[];

  @Field(() => Int, { description: 'Models with at least one score for the task.' })
  nModels!: number;

  @Field(() => Int, { description: '(model, step) checkpoints with a score for the task.' })
  nCheckpoints!: number;
}

@ObjectType({ simpleResolvers: true, description: 'A task group: where no results file holds its score, the unweighted mean over its leaf tasks, computed at query time.' })
export class TaskGroupInfo implements TaskGroup {
  @Field(() => ID, { description: 'The group’s name, as `task` arguments take it.' })
  name!: string;

  @Field(() => String, { description: 'What the group is.' })
  description!: string;

  @Field(() => [String], { description: 'SQL LIKE patterns (escape \\) selecting the leaf tasks.' })
  patterns!: string[];
}
