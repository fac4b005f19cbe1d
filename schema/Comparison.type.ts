import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { GridSpec } from '../compute/trajectories/compareSeries.js';
import type { ComparisonExtremum, ComparisonPoint, ModelCorrelation, ModelSeries, TrajectoryComparison } from '../services/compareModels.js';
import { CheckpointGapType } from './CheckpointGap.type.js';
import { GridScale, TrainingAxis } from './enums.js';

@InputType({ description: 'A shared grid on the alignment axis; each trajectory is linearly interpolated onto it.' })
export class GridInput implements GridSpec {
  @Field(() => Int, { description: 'Number of grid points (2–10000).' })
  points!: number;

  @Field(() => GridScale, { defaultValue: GridScale.LOG, description: 'LOG interpolates in log10 of the axis; points at x ≤ 0 are left out.' })
  scale!: GridScale;
}

@ObjectType({ simpleResolvers: true, description: 'A point of a compared series.' })
export class SeriesPoint implements ComparisonPoint {
  @Field(() => Number, { description: 'Position on the alignment axis.' })
  x!: number;

  @Field(() => Int, { nullable: true, description: 'The checkpoint step; null for interpolated grid points.' })
  step!: number | null;

  @Field(() => Number, { nullable: true, description: 'null where an interpolated series does not reach the grid point.' })
  value!: number | null;

  @Field(() => Number, { nullable: true, description: 'Standard error of a task value; null on a grid or for brain and internal signals.' })
  stderr!: number | null;
}

@ObjectType({ simpleResolvers: true, description: 'A notable point of a series: its best or its final value, always at a real checkpoint (with a grid too: the grid is only for `points` and correlations).' })
export class SeriesExtremum implements ComparisonExtremum {
  @Field(() => Number, { description: 'The checkpoint’s position on the alignment axis.' })
  x!: number;

  @Field(() => Int, { description: 'The checkpoint step.' })
  step!: number;

  @Field(() => Number, { description: 'The value stored at that checkpoint (never interpolated).' })
  value!: number;

  @Field(() => Number, { nullable: true, description: 'Its standard error, when stored (task values).' })
  stderr!: number | null;
}

@ObjectType({ simpleResolvers: true, description: 'One model’s series on the common axis.' })
export class ComparedSeries implements ModelSeries {
  @Field(() => ID, { description: 'The model.' })
  modelId!: string;

  @Field(() => [SeriesPoint], { description: 'Its points on the axis: its checkpoints, or, with a grid, the interpolated grid points.' })
  points!: SeriesPoint[];

  @Field(() => [CheckpointGapType], { description: 'Checkpoints a brain or internal signal lacks (PENDING, MISSING, FAILED, NEVER), left out of `points`; empty for a task.' })
  gaps!: CheckpointGapType[];

  @Field(() => SeriesExtremum, { nullable: true, description: 'Highest value among the model’s checkpoints in range (lowest for perplexity-like metrics, or as `higherIsBetter` says), read at the checkpoint even when a grid is asked for.' })
  best!: SeriesExtremum | null;

  @Field(() => SeriesExtremum, { nullable: true, description: 'Value at the last checkpoint in range with data (not the grid’s end).' })
  final!: SeriesExtremum | null;
}

@ObjectType({ simpleResolvers: true, description: 'Pearson correlation of two models’ trajectories over their common axis points.' })
export class TrajectoryCorrelation implements ModelCorrelation {
  @Field(() => ID, { description: 'The first model.' })
  modelA!: string;

  @Field(() => ID, { description: 'The second model.' })
  modelB!: string;

  @Field(() => Number, { nullable: true, description: 'null when undefined; see `reason`.' })
  r!: number | null;

  @Field(() => Int, { description: 'Common points the correlation uses.' })
  n!: number;

  @Field(() => String, { nullable: true, description: 'Why `r` is null.' })
  reason!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'Several models’ trajectories of one signal on a common axis.' })
export class ModelComparison implements TrajectoryComparison {
  @Field(() => TrainingAxis, { description: 'The common axis.' })
  alignBy!: TrainingAxis;

  @Field(() => String, { description: 'The task, or the signal’s name.' })
  task!: string;

  @Field(() => String, { description: 'The metric (for a brain signal, its statistic).' })
  metric!: string;

  @Field(() => [Number], { nullable: true, description: 'The shared grid, when one was asked for.' })
  grid!: number[] | null;

  @Field(() => [ComparedSeries], { description: 'One series per model, in the order asked for.' })
  series!: ComparedSeries[];

  @Field(() => [TrajectoryCorrelation], { description: 'Every pair’s correlation.' })
  correlations!: TrajectoryCorrelation[];
}
