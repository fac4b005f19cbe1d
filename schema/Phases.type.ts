import { SafeIntResolver } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PHASE_LABELS } from '../compute/phases/detectPhases.js';

export enum SignalKind {
  TASK = 'TASK',
  BRAIN = 'BRAIN',
  INTERNAL = 'INTERNAL',
}
registerEnumType(SignalKind, { name: 'SignalKind', description: 'What a phase signal measures.' });

export enum PhaseAxisEnum {
  LOG_TOKENS = 'LOG_TOKENS',
  TOKENS = 'TOKENS',
  STEP = 'STEP',
  LOG_STEP = 'LOG_STEP',
  FRACTION = 'FRACTION',
}
registerEnumType(PhaseAxisEnum, {
  name: 'PhaseAxis',
  description: 'The x axis segmented. LOG_TOKENS (log10 tokens, the default) and LOG_STEP exclude step 0 and report it in `excluded`.',
});

export enum BrainStatistic {
  MEAN_R = 'mean_r',
  MEDIAN_R = 'median_r',
  TOP_MEAN_R = 'top_mean_r',
}
registerEnumType(BrainStatistic, { name: 'BrainStatistic', description: 'Which per-ROI summary of voxel r a brain signal uses.' });

export const PhaseLabelEnum = Object.fromEntries(PHASE_LABELS.map((l) => [l, l])) as Record<(typeof PHASE_LABELS)[number], string>;
registerEnumType(PhaseLabelEnum, {
  name: 'PhaseLabel',
  description:
    'Segment label from the slope directions of the brain and task signals (docs/phases.md): ALIGNMENT brain ↑; ' +
    'DETACHMENT brain ↓ while task flat; REALIGNMENT brain ↑ after an earlier brain decline; task-only inputs get ' +
    'RAPID_GAIN, CONSOLIDATION, STAGNATION, DECLINE.',
});

@InputType({ description: 'One signal of a phase detection. TASK needs `task` (a task or task group); BRAIN needs `dataset`; INTERNAL needs `metric`.' })
export class SignalInput {
  @Field(() => SignalKind)
  kind!: SignalKind;

  @Field(() => String, { nullable: true, description: 'TASK: a task or task group, e.g. "lambada_openai", "mmlu".' })
  task?: string;

  @Field(() => String, { nullable: true, description: 'TASK: the metric (default "acc"); INTERNAL: the metric, e.g. "twoNN", "effectiveRank", "linearCKA".' })
  metric?: string;

  @Field(() => String, { nullable: true, description: 'BRAIN: the fMRI dataset; INTERNAL: the dataset whose stimulus words the metric was computed on.' })
  dataset?: string;

  @Field(() => String, { nullable: true, defaultValue: 'all', description: 'BRAIN: the ROI ("all" = whole brain).' })
  roi?: string;

  @Field(() => Int, { nullable: true, description: 'BRAIN / INTERNAL: a fixed layer; omitted = best layer per checkpoint (BRAIN) or mean over layers (INTERNAL).' })
  layer?: number;

  @Field(() => String, { nullable: true, description: 'BRAIN: one subject; omitted = mean over subjects.' })
  subject?: string;

  @Field(() => BrainStatistic, { nullable: true, defaultValue: BrainStatistic.MEAN_R })
  statistic?: BrainStatistic;

  @Field(() => String, { nullable: true, description: 'BRAIN: encoding parameters hash (default: the default parameters).' })
  paramsHash?: string;

  @Field(() => Float, { nullable: true, description: 'Relative weight in the shared segmentation cost (default 1).' })
  weight?: number;
}

@InputType({ description: 'Options of phase detection; defaults in brackets.' })
export class PhaseOptionsInput {
  @Field(() => PhaseAxisEnum, { nullable: true, description: '[LOG_TOKENS]' })
  axis?: PhaseAxisEnum;

  @Field(() => Int, { nullable: true, description: 'Fixed number of breakpoints; omitted = chosen by BIC over 0..kMax.' })
  k?: number;

  @Field(() => Int, { nullable: true, description: '[4]' })
  kMax?: number;

  @Field(() => Int, { nullable: true, description: 'Minimum checkpoints per segment [4].' })
  minSize?: number;

  @Field(() => Boolean, { nullable: true, description: 'Continuous piecewise-linear fit [false]; exact, for up to ~135 checkpoints.' })
  continuous?: boolean;

  @Field(() => Int, { nullable: true, description: 'Bootstrap replicates for breakpoint intervals [200]; 0 = none.' })
  bootstrap?: number;

  @Field(() => Float, { nullable: true, description: '[0.9]' })
  ciLevel?: number;

  @Field(() => Int, { nullable: true, description: 'Bootstrap seed [0]; results are reproducible.' })
  seed?: number;

  @Field(() => Float, { nullable: true, description: 'Slope z threshold for UP / DOWN [2].' })
  zThreshold?: number;
}

@ObjectType({ simpleResolvers: true })
export class BreakpointInterval {
  @Field(() => Float)
  level!: number;

  @Field(() => Int)
  lowStep!: number;

  @Field(() => Int)
  highStep!: number;

  @Field(() => Float)
  lowX!: number;

  @Field(() => Float)
  highX!: number;
}

@ObjectType({ simpleResolvers: true, description: 'A phase boundary: the LAST checkpoint of the left segment.' })
export class PhaseBreakpoint {
  @Field(() => Int)
  step!: number;

  @Field(() => SafeIntResolver, { nullable: true })
  tokens!: number | null;

  @Field(() => Float, { description: 'Position on the segmentation axis.' })
  x!: number;

  @Field(() => BreakpointInterval, { nullable: true, description: 'Bootstrap interval; null without bootstrap.' })
  ci!: BreakpointInterval | null;
}

@ObjectType({ simpleResolvers: true })
export class SegmentSlope {
  @Field(() => String)
  signal!: string;

  @Field(() => SignalKind)
  role!: SignalKind;

  @Field(() => Float, { nullable: true, description: 'OLS slope in z-scored units per axis unit.' })
  slope!: number | null;

  @Field(() => Float, { nullable: true })
  stderr!: number | null;

  @Field(() => String, { description: 'UP, DOWN or FLAT (|slope / stderr| below the z threshold).' })
  direction!: string;
}

@ObjectType({ simpleResolvers: true })
export class PhaseSegment {
  @Field(() => Int)
  index!: number;

  @Field(() => PhaseLabelEnum)
  label!: string;

  @Field(() => Int)
  startStep!: number;

  @Field(() => Int)
  endStep!: number;

  @Field(() => Float)
  startX!: number;

  @Field(() => Float)
  endX!: number;

  @Field(() => Int)
  nPoints!: number;

  @Field(() => [SegmentSlope])
  slopes!: SegmentSlope[];
}

@ObjectType({ simpleResolvers: true })
export class BicEntry {
  @Field(() => Int)
  k!: number;

  @Field(() => Float)
  bic!: number;

  @Field(() => Float, { description: 'Residual sum of squares of the optimal k-breakpoint fit.' })
  cost!: number;
}

@ObjectType({ simpleResolvers: true })
export class ExcludedCheckpoint {
  @Field(() => Int)
  step!: number;

  @Field(() => String)
  reason!: string;
}

@ObjectType({ simpleResolvers: true })
export class TriplePattern {
  @Field(() => Boolean, { description: 'Whether ALIGNMENT → DETACHMENT → REALIGNMENT occurs in order among the segment labels.' })
  present!: boolean;

  @Field(() => Float, { nullable: true, description: 'Fraction of bootstrap replicates showing the pattern; null without bootstrap.' })
  confidence!: number | null;
}

@ObjectType({ simpleResolvers: true, description: 'Training phases of one model: shared breakpoints of the z-scored signals.' })
export class PhaseResult {
  @Field(() => ID)
  modelId!: string;

  @Field(() => PhaseAxisEnum)
  axis!: string;

  @Field(() => Int, { description: 'Number of breakpoints.' })
  k!: number;

  @Field(() => String, { description: 'BIC or FIXED.' })
  kSelectedBy!: string;

  @Field(() => [BicEntry])
  bicByK!: BicEntry[];

  @Field(() => [String], { description: 'Signal names in input order, e.g. "task:lambada_openai/acc".' })
  signals!: string[];

  @Field(() => [PhaseBreakpoint])
  breakpoints!: PhaseBreakpoint[];

  @Field(() => [PhaseSegment])
  segments!: PhaseSegment[];

  @Field(() => [ExcludedCheckpoint], { description: 'Checkpoints left out, with the reason (e.g. step 0 on a log axis).' })
  excluded!: ExcludedCheckpoint[];

  @Field(() => TriplePattern)
  triplePattern!: TriplePattern;
}

@ObjectType({ simpleResolvers: true })
export class ModelBoundaries {
  @Field(() => ID)
  modelId!: string;

  @Field(() => PhaseResult)
  phases!: PhaseResult;

  @Field(() => [Float], { nullable: 'items', description: 'Breakpoints on the common axis.' })
  boundaries!: (number | null)[];
}

@ObjectType({ simpleResolvers: true })
export class BoundaryDifference {
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

@ObjectType({ simpleResolvers: true })
export class SignalCorrelation {
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

@ObjectType({ simpleResolvers: true, description: 'Phases of several models on a common axis.' })
export class PhaseComparison {
  @Field(() => String)
  alignBy!: string;

  @Field(() => [ModelBoundaries])
  models!: ModelBoundaries[];

  @Field(() => [BoundaryDifference])
  boundaryDifferences!: BoundaryDifference[];

  @Field(() => [SignalCorrelation], { description: 'Pearson r of each signal’s trajectories over common checkpoints.' })
  correlations!: SignalCorrelation[];
}
