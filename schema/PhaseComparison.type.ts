import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { BoundaryDifference, ModelPhases, PhaseComparison, SignalCorrelation } from '../services/phases.js';
import { PhaseResult } from './Phases.type.js';

@ObjectType({ simpleResolvers: true })
export class ModelBoundaries implements Pick<ModelPhases, 'modelId' | 'boundaries'> {
  @Field(() => ID)
  modelId!: string;

  @Field(() => PhaseResult)
  phases!: PhaseResult;

  @Field(() => [Float], { nullable: 'items', description: 'Breakpoints on the common axis.' })
  boundaries!: (number | null)[];
}

@ObjectType('BoundaryDifference', { simpleResolvers: true })
export class BoundaryDifferenceType implements BoundaryDifference {
  @Field(() => ID)
  modelA!: string;

  @Field(() => ID)
  modelB!: string;

  @Field(() => [Float], { nullable: true, description: 'Per breakpoint, B − A on the common axis; null when k differs.' })
  differences!: number[] | null;

  @Field(() => [Float], { nullable: 'itemsAndList', description: 'Per breakpoint, log10(B / A) (STEP and TOKENS).' })
  log10Ratios!: (number | null)[] | null;

  @Field(() => String, { nullable: true })
  reason!: string | null;
}

@ObjectType('SignalCorrelation', { simpleResolvers: true })
export class SignalCorrelationType implements SignalCorrelation {
  @Field(() => String)
  signal!: string;

  @Field(() => ID)
  modelA!: string;

  @Field(() => ID)
  modelB!: string;

  @Field(() => Float, { nullable: true })
  r!: number | null;

  @Field(() => Int)
  n!: number;
}

@ObjectType('PhaseComparison', { simpleResolvers: true, description: 'Phases of several models on a common axis.' })
export class PhaseComparisonType implements Omit<PhaseComparison, 'models'> {
  @Field(() => String)
  alignBy!: PhaseComparison['alignBy'];

  @Field(() => [ModelBoundaries])
  models!: ModelBoundaries[];

  @Field(() => [BoundaryDifferenceType])
  boundaryDifferences!: BoundaryDifferenceType[];

  @Field(() => [SignalCorrelationType], { description: 'Pearson r of each signal’s trajectories over common checkpoints.' })
  correlations!: SignalCorrelationType[];
}
