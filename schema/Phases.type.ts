import { SafeIntResolver } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type {
  BicEntry,
  BreakpointInterval,
  Direction,
  ExcludedPoint,
  PhaseBreakpoint,
  PhaseDetection,
  PhaseSegment,
  SegmentSlope,
} from '../compute/phases/detectPhases.js';
import { CheckpointGapType } from './CheckpointGap.type.js';
import { PhaseAxis, PhaseLabel, SignalRole } from './enums.js';

@ObjectType('BreakpointInterval', { simpleResolvers: true, description: 'A bootstrap confidence interval of a breakpoint (percentile of the resampled breakpoint positions).' })
export class BreakpointIntervalType implements Omit<BreakpointInterval, 'lowIndex' | 'highIndex'> {
  @Field(() => Float, { description: 'Confidence level, e.g. 0.9.' })
  level!: number;

  @Field(() => Int, { description: 'Step of the interval’s low end.' })
  lowStep!: number;

  @Field(() => Int, { description: 'Step of the interval’s high end.' })
  highStep!: number;

  @Field(() => Float, { description: 'Low end on the segmentation axis.' })
  lowX!: number;

  @Field(() => Float, { description: 'High end on the segmentation axis.' })
  highX!: number;
}

@ObjectType('PhaseBreakpoint', { simpleResolvers: true, description: 'A phase boundary: the LAST checkpoint of the left segment.' })
export class PhaseBreakpointType implements Omit<PhaseBreakpoint, 'index' | 'ci'> {
  @Field(() => Int, { description: 'The boundary checkpoint’s step.' })
  step!: number;

  @Field(() => SafeIntResolver, { nullable: true, description: 'Training tokens at that step.' })
  tokens!: number | null;

  @Field(() => Float, { description: 'Position on the segmentation axis.' })
  x!: number;

  @Field(() => BreakpointIntervalType, { nullable: true, description: 'Bootstrap interval; null without bootstrap.' })
  ci!: BreakpointIntervalType | null;
}

@ObjectType('SegmentSlope', { simpleResolvers: true, description: 'One signal’s fitted slope on one segment.' })
export class SegmentSlopeType implements SegmentSlope {
  @Field(() => String, { description: 'The signal’s name.' })
  signal!: string;

  @Field(() => SignalRole, { description: 'What the signal measures.' })
  role!: SignalRole;

  @Field(() => Float, { nullable: true, description: 'OLS slope in z-scored units per axis unit.' })
  slope!: number | null;

  @Field(() => Float, { nullable: true, description: 'Standard error of the slope; null with fewer than three points.' })
  stderr!: number | null;

  @Field(() => Float, { nullable: true, description: 'Fitted change over the segment (slope × span) in the signal’s own units — the effect size; null without a slope.' })
  change!: number | null;

  @Field(() => Float, { nullable: true, description: 'Standard error of `change` implied by the stored per-checkpoint standard errors (own units); null when the signal has none.' })
  changeStderr!: number | null;

  @Field(() => String, { description: 'UP, DOWN or FLAT: FLAT when |slope / stderr| is below the z threshold, or |change| is below minEffect × changeStderr or the signal’s minDelta.' })
  direction!: Direction;
}

@ObjectType('PhaseSegment', { simpleResolvers: true, description: 'A training phase: consecutive checkpoints between two breakpoints, with its label.' })
export class PhaseSegmentType implements Omit<PhaseSegment, 'startIndex' | 'endIndex' | 'slopes'> {
  @Field(() => Int, { description: 'Position among the segments, from 0.' })
  index!: number;

  @Field(() => PhaseLabel, { description: 'The label from the slope directions.' })
  label!: PhaseLabel;

  @Field(() => Int, { description: 'First checkpoint’s step.' })
  startStep!: number;

  @Field(() => Int, { description: 'Last checkpoint’s step.' })
  endStep!: number;

  @Field(() => Float, { description: 'First checkpoint on the segmentation axis.' })
  startX!: number;

  @Field(() => Float, { description: 'Last checkpoint on the segmentation axis.' })
  endX!: number;

  @Field(() => Int, { description: 'Checkpoints in the segment.' })
  nPoints!: number;

  @Field(() => [SegmentSlopeType], { description: 'Each signal’s slope on the segment.' })
  slopes!: SegmentSlopeType[];
}

@ObjectType('BicEntry', { simpleResolvers: true, description: 'The Bayesian information criterion of the best fit with k breakpoints (lower is better).' })
export class BicEntryType implements BicEntry {
  @Field(() => Int, { description: 'Number of breakpoints.' })
  k!: number;

  @Field(() => Float, { description: 'BIC of the fit.' })
  bic!: number;

  @Field(() => Float, { description: 'Residual sum of squares of the optimal k-breakpoint fit.' })
  cost!: number;
}

@ObjectType({ simpleResolvers: true, description: 'A checkpoint left out of a detection, with why.' })
export class ExcludedCheckpoint implements ExcludedPoint {
  @Field(() => Int, { description: 'The checkpoint’s step.' })
  step!: number;

  @Field(() => String, { description: 'Why it was left out (e.g. step 0 has no log10(tokens)).' })
  reason!: string;
}

@ObjectType({ simpleResolvers: true, description: 'Whether the seed paper’s three phases (ALIGNMENT → DETACHMENT → REALIGNMENT) occur.' })
export class TriplePattern implements Pick<PhaseDetection['triplePattern'], 'present' | 'confidence'> {
  @Field(() => Boolean, { description: 'Whether ALIGNMENT → DETACHMENT → REALIGNMENT occurs in order among the segment labels.' })
  present!: boolean;

  @Field(() => Float, { nullable: true, description: 'Fraction of bootstrap replicates showing the pattern; null without bootstrap.' })
  confidence!: number | null;
}

@ObjectType({ simpleResolvers: true, description: 'Training phases of one model: shared breakpoints of the z-scored signals.' })
export class PhaseResult implements Omit<PhaseDetection, 'breakpoints' | 'segments'> {
  @Field(() => ID, { description: 'The model.' })
  modelId!: string;

  @Field(() => PhaseAxis, { description: 'The axis segmented.' })
  axis!: PhaseAxis;

  @Field(() => Int, { description: 'Number of breakpoints.' })
  k!: number;

  @Field(() => String, { description: 'BIC or FIXED.' })
  kSelectedBy!: PhaseDetection['kSelectedBy'];

  @Field(() => [BicEntryType], { description: 'BIC of each k tried.' })
  bicByK!: BicEntryType[];

  @Field(() => [String], { description: 'Signal names in input order, e.g. "task:lambada_openai/acc".' })
  signals!: string[];

  @Field(() => [PhaseBreakpointType], { description: 'The k breakpoints in order.' })
  breakpoints!: PhaseBreakpointType[];

  @Field(() => [PhaseSegmentType], { description: 'The k + 1 segments in order.' })
  segments!: PhaseSegmentType[];

  @Field(() => [ExcludedCheckpoint], { description: 'Checkpoints left out, with the reason (e.g. step 0 on a log axis).' })
  excluded!: ExcludedCheckpoint[];

  @Field(() => [CheckpointGapType], {
    description: 'Checkpoints a brain or internal signal has no stored value for (PENDING, MISSING, FAILED, NEVER), each with why: the detection ran without them.',
  })
  gaps!: CheckpointGapType[];

  @Field(() => TriplePattern, { description: 'Whether the three phases of the seed paper occur.' })
  triplePattern!: TriplePattern;
}
