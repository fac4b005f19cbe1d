import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { BoundaryDifference, BoundaryMatch, ModelPhases, PhaseComparison, SignalCorrelation } from '../services/phases.js';
import { PhaseResult } from './Phases.type.js';

@ObjectType({ simpleResolvers: true, description: 'One model’s phases and its boundaries on the common axis.' })
export class ModelBoundaries implements Pick<ModelPhases, 'modelId' | 'boundaries'> {
  @Field(() => ID, { description: 'The model.' })
  modelId!: string;

  @Field(() => PhaseResult, { description: 'Its phase detection (with its gaps).' })
  phases!: PhaseResult;

  @Field(() => [Float], { nullable: 'items', description: 'Breakpoints on the common axis.' })
  boundaries!: (number | null)[];
}

@ObjectType('BoundaryMatch', { simpleResolvers: true, description: 'A boundary of model A paired with one of model B: nearest positions, order kept (docs/phases.md).' })
export class BoundaryMatchType implements BoundaryMatch {
  @Field(() => Int, { description: 'Position among A’s breakpoints, from 0.' })
  indexA!: number;

  @Field(() => Int, { description: 'Position among B’s breakpoints, from 0.' })
  indexB!: number;

  @Field(() => Float, { description: 'A’s boundary on the common axis.' })
  a!: number;

  @Field(() => Float, { description: 'B’s boundary on the common axis.' })
  b!: number;

  @Field(() => Float, { description: 'B − A on the common axis.' })
  difference!: number;

  @Field(() => Float, { nullable: true, description: 'log10(B / A) for STEP and TOKENS; null for FRACTION.' })
  log10Ratio!: number | null;
}

@ObjectType('BoundaryDifference', { simpleResolvers: true, description: 'How far apart two models’ phase boundaries are on the common axis.' })
export class BoundaryDifferenceType implements BoundaryDifference {
  @Field(() => ID, { description: 'The first model.' })
  modelA!: string;

  @Field(() => ID, { description: 'The second model.' })
  modelB!: string;

  @Field(() => [BoundaryMatchType], { description: 'Boundaries paired by nearest position (order kept), also when the models’ numbers of breakpoints differ; by rank when they are equal.' })
  matches!: BoundaryMatchType[];

  @Field(() => [Int], { description: 'Positions of A’s breakpoints left without a partner (or without a value on the axis).' })
  unmatchedA!: number[];

  @Field(() => [Int], { description: 'Positions of B’s breakpoints left without a partner (or without a value on the axis).' })
  unmatchedB!: number[];

  @Field(() => [Float], { nullable: true, description: 'Per breakpoint, B − A on the common axis; null when k differs (see `matches`).' })
  differences!: number[] | null;

  @Field(() => [Float], { nullable: 'itemsAndList', description: 'Per breakpoint, log10(B / A) (STEP and TOKENS).' })
  log10Ratios!: (number | null)[] | null;

  @Field(() => String, { nullable: true, description: 'Why the differences are null.' })
  reason!: string | null;
}

@ObjectType('SignalCorrelation', { simpleResolvers: true, description: 'Pearson correlation of two models’ trajectories of one signal.' })
export class SignalCorrelationType implements SignalCorrelation {
  @Field(() => String, { description: 'The signal’s name.' })
  signal!: string;

  @Field(() => ID, { description: 'The first model.' })
  modelA!: string;

  @Field(() => ID, { description: 'The second model.' })
  modelB!: string;

  @Field(() => Float, { nullable: true, description: 'Pearson r; null when undefined (fewer than 3 common points, or a constant series).' })
  r!: number | null;

  @Field(() => Int, { description: 'Common points the correlation uses.' })
  n!: number;
}

@ObjectType('PhaseComparison', { simpleResolvers: true, description: 'Phases of several models on a common axis.' })
export class PhaseComparisonType implements Omit<PhaseComparison, 'models'> {
  @Field(() => String, { description: 'The common axis: STEP, TOKENS or FRACTION.' })
  alignBy!: PhaseComparison['alignBy'];

  @Field(() => [ModelBoundaries], { description: 'Each model’s phases, in the order asked for.' })
  models!: ModelBoundaries[];

  @Field(() => [BoundaryDifferenceType], { description: 'Every pair’s boundary differences.' })
  boundaryDifferences!: BoundaryDifferenceType[];

  @Field(() => [SignalCorrelationType], { description: 'Pearson r of each signal’s trajectories over common checkpoints.' })
  correlations!: SignalCorrelationType[];
}
