import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { StepRange } from './Checkpoint.type.js';
import type { AggregateRow } from '../warehouse/taskScoresRepo.js';

@InputType({ description: 'Which task-score cells an aggregate covers.' })
export class TaskScoreAggregateWhere {
  @Field(() => String, { description: 'The metric, e.g. "acc".' })
  metric!: string;

  @Field(() => [String], { description: 'Task or task-group names; a group forms one cell per checkpoint (the mean of its members).' })
  tasks!: string[];

  @Field(() => [ID], { nullable: true, description: 'Only these models (default: all).' })
  models?: string[];

  @Field(() => StepRange, { nullable: true, description: 'Only checkpoints in this step range.' })
  steps?: StepRange;
}

@ObjectType({ simpleResolvers: true, description: 'One group of an aggregate; dimensions not grouped by are null.' })
export class TaskScoreAggregate implements AggregateRow {
  @Field(() => ID, { nullable: true, description: 'The model (grouped by MODEL).' })
  modelId!: string | null;

  @Field(() => String, { nullable: true, description: 'The model family (grouped by FAMILY).' })
  family!: string | null;

  @Field(() => String, { nullable: true, description: 'The task or group (grouped by TASK).' })
  task!: string | null;

  @Field(() => Int, { nullable: true, description: 'The step (grouped by STEP).' })
  step!: number | null;

  @Field(() => Int, { description: 'Checkpoint cells aggregated.' })
  count!: number;

  @Field(() => Number, { nullable: true, description: 'Mean of the cells.' })
  mean!: number | null;

  @Field(() => Number, { nullable: true, description: 'Smallest cell.' })
  min!: number | null;

  @Field(() => Number, { nullable: true, description: 'Largest cell.' })
  max!: number | null;

  @Field(() => Number, { nullable: true, description: 'Sample standard deviation; null for a single cell.' })
  stddev!: number | null;
}
