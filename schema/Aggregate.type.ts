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

  @Field(() => StepRange, { nullable: true })
  steps?: StepRange;
}

@ObjectType({ simpleResolvers: true, description: 'One group of an aggregate; dimensions not grouped by are null.' })
export class TaskScoreAggregate implements AggregateRow {
  @Field(() => ID, { nullable: true })
  modelId!: string | null;

  @Field(() => String, { nullable: true })
  family!: string | null;

  @Field(() => String, { nullable: true })
  task!: string | null;

  @Field(() => Int, { nullable: true })
  step!: number | null;

  @Field(() => Int, { description: 'Checkpoint cells aggregated.' })
  count!: number;

  @Field(() => Number, { nullable: true })
  mean!: number | null;

  @Field(() => Number, { nullable: true })
  min!: number | null;

  @Field(() => Number, { nullable: true })
  max!: number | null;

  @Field(() => Number, { nullable: true, description: 'Sample standard deviation; null for a single cell.' })
  stddev!: number | null;
}
