import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { GridSpec } from '../compute/trajectories/compareSeries.js';
import type { ComparisonExtremum, ComparisonPoint, ModelCorrelation, ModelSeries, TrajectoryComparison } from '../services/compareModels.js';
import { GridScale, TrainingAxis } from './enums.js';

@InputType({ description: 'A shared grid on the alignment axis; each trajectory is linearly interpolated onto it.' })
export class GridInput implements GridSpec {
  @Field(() => Int, { description: 'Number of grid points (2–10000).' })
  points!: number;

  @Field(() => GridScale, { defaultValue: GridScale.LOG, description: 'LOG interpolates in log10 of the axis; points at x ≤ 0 are left out.' })
  scale!: GridScale;
}

@ObjectType({ simpleResolvers: true })
export class SeriesPoint implements ComparisonPoint {
  @Field(() => Number, { description: 'Position on the alignment axis.' })
  x!: number;

  @Field(() => Int, { nullable: true, description: 'The checkpoint step; null for interpolated grid points.' })
  step!: number | null;

  @Field(() => Number, { nullable: true, description: 'null where an interpolated series does not reach the grid point.' })
  value!: number | null;

  @Field(() => Number, { nullable: true })
  stderr!: number | null;
}

@ObjectType({ simpleResolvers: true, description: 'A notable point of a series: its best or its final value.' })
export class SeriesExtremum implements ComparisonExtremum {
  @Field(() => Number)
  x!: number;

  @Field(() => Int, { nullable: true })
  step!: number | null;

  @Field(() => Number)
  value!: number;
}

@ObjectType({ simpleResolvers: true, description: 'One model’s series on the common axis.' })
export class ComparedSeries implements ModelSeries {
  @Field(() => ID)
  modelId!: string;

  @Field(() => [SeriesPoint])
  points!: SeriesPoint[];

  @Field(() => SeriesExtremum, { nullable: true, description: 'Highest value (lowest for perplexity-like metrics, or as `higherIsBetter` says).' })
  best!: SeriesExtremum | null;

  @Field(() => SeriesExtremum, { nullable: true, description: 'Value at the last point with data.' })
  final!: SeriesExtremum | null;
}

@ObjectType({ simpleResolvers: true, description: 'Pearson correlation of two models’ trajectories over their common axis points.' })
export class TrajectoryCorrelation implements ModelCorrelation {
  @Field(() => ID)
  modelA!: string;

  @Field(() => ID)
  modelB!: string;

  @Field(() => Number, { nullable: true, description: 'null when undefined; see `reason`.' })
  r!: number | null;

  @Field(() => Int, { description: 'Common points the correlation uses.' })
  n!: number;

  @Field(() => String, { nullable: true })
  reason!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'Several models’ trajectories of one signal on a common axis.' })
export class ModelComparison implements TrajectoryComparison {
  @Field(() => TrainingAxis)
  alignBy!: TrainingAxis;

  @Field(() => String)
  task!: string;

  @Field(() => String)
  metric!: string;

  @Field(() => [Number], { nullable: true, description: 'The shared grid, when one was asked for.' })
  grid!: number[] | null;

  @Field(() => [ComparedSeries])
  series!: ComparedSeries[];

  @Field(() => [TrajectoryCorrelation])
  correlations!: TrajectoryCorrelation[];
}
