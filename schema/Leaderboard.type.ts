import { Field, ID, Int, ObjectType } from 'type-graphql';
import { SafeIntResolver } from 'graphql-scalars';
import type { BestBrainScore, FinalTaskScore, Leaderboard, LeaderboardPhases, LeaderboardRow } from '../services/leaderboard.js';
import { BrainStatistic } from './enums.js';

@ObjectType({ simpleResolvers: true, description: 'A model’s best stored brain score: the highest value of its best-layer trajectory (`Model.brainTrajectory` without `layer`), where it was reached.' })
export class BestBrainScoreType implements BestBrainScore {
  @Field(() => Number, { description: 'The statistic’s value (e.g. mean voxel test r).' })
  value!: number;

  @Field(() => Int, { description: 'The checkpoint it was reached at (the earliest, on a tie).' })
  step!: number;

  @Field(() => SafeIntResolver, { nullable: true, description: 'Training tokens at that checkpoint.' })
  tokens!: number | null;

  @Field(() => Int, { description: 'The layer that scored best at that checkpoint.' })
  layer!: number;

  @Field(() => Int, { description: 'Checkpoints with a stored value (compare with `LeaderboardRow.checkpoints`).' })
  scoredCheckpoints!: number;
}

@ObjectType({ simpleResolvers: true, description: 'A task’s value at the model’s last checkpoint that has one (the last non-null point of `Model.taskTrajectory`).' })
export class FinalTaskScoreType implements FinalTaskScore {
  @Field(() => String, { description: 'The task (or task group).' })
  task!: string;

  @Field(() => String, { description: 'The metric.' })
  metric!: string;

  @Field(() => Number, { nullable: true, description: 'null when the model has no value for it (`reason`).' })
  value!: number | null;

  @Field(() => Number, { nullable: true, description: 'Its stored standard error.' })
  stderr!: number | null;

  @Field(() => Int, { nullable: true, description: 'The checkpoint it was read at.' })
  step!: number | null;

  @Field(() => String, { nullable: true, description: 'Why `value` is null.' })
  reason!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'Training phases (as `detectPhases` with `options: { bootstrap: 0 }`) on the stored brain signal and the first listed task the model has.' })
export class LeaderboardPhasesType implements LeaderboardPhases {
  @Field(() => Int, { description: 'Breakpoints chosen by BIC.' })
  k!: number;

  @Field(() => [Int], { description: 'Breakpoint steps: the last checkpoint of each phase but the final one.' })
  boundaries!: number[];

  @Field(() => [String], { description: 'Each phase’s label (PhaseLabel values), in order.' })
  labels!: string[];

  @Field(() => [String], { description: 'The signals detected on, e.g. "brain:sim-narratives/STS/best", "task:sim_arc_easy/acc".' })
  signals!: string[];
}

@ObjectType({ simpleResolvers: true, description: 'One model’s row of a leaderboard.' })
export class LeaderboardRowType implements LeaderboardRow {
  @Field(() => Int, { nullable: true, description: '1 = first by `Leaderboard.rankedBy`; null for a model without that value.' })
  rank!: number | null;

  @Field(() => ID, { description: 'The model.' })
  modelId!: string;

  @Field(() => String, { nullable: true, description: 'Its family (e.g. pythia), when registered.' })
  family!: string | null;

  @Field(() => SafeIntResolver, { nullable: true, description: 'Parameter count.' })
  params!: number | null;

  @Field(() => Int, { description: 'The model’s checkpoints.' })
  checkpoints!: number;

  @Field(() => BestBrainScoreType, { nullable: true, description: 'null without a dataset or without stored brain scores (`brainReason`).' })
  brain!: BestBrainScoreType | null;

  @Field(() => String, { nullable: true, description: 'Why `brain` is null.' })
  brainReason!: string | null;

  @Field(() => [FinalTaskScoreType], { description: 'One entry per listed task, in the order asked.' })
  tasks!: FinalTaskScoreType[];

  @Field(() => LeaderboardPhasesType, { nullable: true, description: 'null when not asked for, or when there is nothing to detect on or the detection refused (`phasesReason`).' })
  phases!: LeaderboardPhasesType | null;

  @Field(() => String, { nullable: true, description: 'Why `phases` is null.' })
  phasesReason!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'Models ranked by their best stored brain score, with final task scores and training phases (stored cells only: never starts a computation).' })
export class LeaderboardType implements Leaderboard {
  @Field(() => ID, { nullable: true, description: 'The fMRI dataset of the brain columns; null when none was given.' })
  dataset!: string | null;

  @Field(() => String, { description: 'The ROI of the brain columns ("all" = whole brain).' })
  roi!: string;

  @Field(() => BrainStatistic, { description: 'The per-ROI summary of voxel r the brain columns show.' })
  statistic!: BrainStatistic;

  @Field(() => [String], { description: 'The task columns, in order.' })
  tasks!: string[];

  @Field(() => String, { description: 'The task columns’ metric.' })
  metric!: string;

  @Field(() => String, { description: 'What `rank` orders by, e.g. "best mean_r on sim-narratives / STS".' })
  rankedBy!: string;

  @Field(() => [LeaderboardRowType], { description: 'Ranked rows first (by rank), then models without the ranking value (by id).' })
  rows!: LeaderboardRowType[];
}
