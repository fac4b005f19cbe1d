import { Field, Float, Int, ObjectType } from 'type-graphql';
import type { TwoNNDetails } from '../compute/internal/internalMetrics.js';
import type { TwoNNScale } from '../compute/internal/twoNN.js';
import type { InternalMetricDescription } from '../services/internal.js';

@ObjectType({ simpleResolvers: true, description: 'The TwoNN estimate at one sample size: the mean over disjoint random subsets of the points used.' })
export class TwoNNScaleEstimate implements TwoNNScale {
  @Field(() => Int, { description: 'Points per subset (N, N/2, N/4).' })
  points!: number;

  @Field(() => Int, { description: 'Disjoint subsets the points were split into (1, 2, 4).' })
  subsets!: number;

  @Field(() => Float, { nullable: true, description: 'Mean of the subsets’ estimates (null when none had one).' })
  mean!: number | null;

  @Field(() => Float, { nullable: true, description: 'Sample standard deviation of the subsets’ estimates (null for one subset).' })
  sd!: number | null;
}

@ObjectType({
  simpleResolvers: true,
  description:
    'How a TwoNN value was obtained: the points it used after collapsing exact duplicates and near-twins, and the scale check ' +
    '(estimates at N, N/2, N/4). A value that drifts with N depends on the scale it is measured at.',
})
export class TwoNNEstimate implements TwoNNDetails {
  @Field(() => String, { description: '"regression" (Facco et al.’s line fit, as DADApy and scikit-dimension) or "mle" (censored maximum likelihood).' })
  method!: 'regression' | 'mle';

  @Field(() => Int, { description: 'Rows (stimulus words) given.' })
  rows!: number;

  @Field(() => Int, { description: 'Distinct points the estimate used (N).' })
  points!: number;

  @Field(() => Int, { description: 'Points whose μ = r₂/r₁ entered the fit (the largest 10% are discarded).' })
  kept!: number;

  @Field(() => Int, { description: 'Rows collapsed as exact duplicates of an earlier row.' })
  duplicates!: number;

  @Field(() => Int, { description: 'Rows collapsed as near-twins: closer to another point than twinTolerance × the median nearest-neighbour distance.' })
  nearTwins!: number;

  @Field(() => Float, { description: 'The near-twin tolerance, relative to the median nearest-neighbour distance.' })
  twinTolerance!: number;

  @Field(() => Float, { description: 'The distance the tolerance came to.' })
  twinDistance!: number;

  @Field(() => Float, { description: 'Median nearest-neighbour distance of the points used.' })
  medianNeighbourDistance!: number;

  @Field(() => [TwoNNScaleEstimate], { description: 'The estimate at N, N/2 and N/4 points (mean and spread over disjoint subsets).' })
  scale!: readonly TwoNNScaleEstimate[];
}

@ObjectType({
  simpleResolvers: true,
  description:
    'What an internal-state metric is and how its values were computed, so a plot can say what it shows. `params` is exactly ' +
    'what the cells’ params hash covers.',
})
export class InternalMetricDefinition implements InternalMetricDescription {
  @Field(() => String, { description: 'The metric, as accepted by `internalTrajectory(metric:)`.' })
  name!: InternalMetricDescription['name'];

  @Field(() => String, { description: 'The quantity, as a formula in words, and the rows it is computed on.' })
  definition!: string;

  @Field(() => String, { description: 'Whether and how the states are centred first.' })
  centring!: string;

  @Field(() => String, { description: 'How it is estimated from the stimulus words (duplicates, discards, fits).' })
  estimator!: string;

  @Field(() => String, { nullable: true, description: 'What it compares with (linear CKA; the checkpoint itself is each point’s `referenceStep`); null for other metrics.' })
  reference!: string | null;

  @Field(() => String, { description: 'The paper it follows.' })
  citation!: string;

  @Field(() => String, { description: 'The computation’s parameters as JSON (TwoNN discard, method, near-twin tolerance, scale check; CKA references; the dataset).' })
  params!: string;

  @Field(() => String, { nullable: true, description: 'The params hash of the stored cells (given a dataset).' })
  paramsHash!: string | null;
}
