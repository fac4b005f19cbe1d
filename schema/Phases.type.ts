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
import { PhaseAxis, PhaseLabel, SignalRole } from './enums.js';

@ObjectType('BreakpointInterval', { simpleResolvers: true })
export class BreakpointIntervalType implements Omit<BreakpointInterval, 'lowIndex' | 'highIndex'> {
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

@ObjectType('PhaseBreakpoint', { simpleResolvers: true, description: 'A phase boundary: the LAST checkpoint of the left segment.' })
export class PhaseBreakpointType implements Omit<PhaseBreakpoint, 'index' | 'ci'> {
  @Field(() => Int)
  step!: number;

  @Field(() => SafeIntResolver, { nullable: true })
  tokens!: number | null;

  @Field(() => Float, { description: 'Position on the segmentation axis.' })
  x!: number;

  @Field(() => BreakpointIntervalType, { nullable: true, description: 'Bootstrap interval; null without bootstrap.' })
  ci!: BreakpointIntervalType | null;
}

@ObjectType('SegmentSlope', { simpleResolvers: true })
export class SegmentSlopeType implements SegmentSlope {
  @Field(() => String)
  signal!: string;

  @Field(() => SignalRole)
  role!: SignalRole;

  @Field(() => Float, { nullable: true, description: 'OLS slope in z-scored units per axis unit.' })
  slope!: number | null;

  @Field(() => Float, { nullable: true })
  stderr!: number | null;

  @Field(() => String, { description: 'UP, DOWN or FLAT (|slope / stderr| below the z threshold).' })
  direction!: Direction;
}

@ObjectType('PhaseSegment', { simpleResolvers: true })
export class PhaseSegmentType implements Omit<PhaseSegment, 'startIndex' | 'endIndex' | 'slopes'> {
  @Field(() => Int)
  index!: number;

  @Field(() => PhaseLabel)
  label!: PhaseLabel;

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

  @Field(() => [SegmentSlopeType])
  slopes!: SegmentSlopeType[];
}

@ObjectType('BicEntry', { simpleResolvers: true })
export class BicEntryType implements BicEntry {
  @Field(() => Int)
  k!: number;

  @Field(() => Float)
  bic!: number;

  @Field(() => Float, { description: 'Residual sum of squares of the optimal k-breakpoint fit.' })
  cost!: number;
}

@ObjectType({ simpleResolvers: true })
export class ExcludedCheckpoint implements ExcludedPoint {
  @Field(() => Int)
  step!: number;

  @Field(() => String)
  reason!: string;
}

@ObjectType({ simpleResolvers: true })
export class TriplePattern implements Pick<PhaseDetection['triplePattern'], 'present' | 'confidence'> {
  @Field(() => Boolean, { description: 'Whether ALIGNMENT → DETACHMENT → REALIGNMENT occurs in order among the segment labels.' })
  present!: boolean;

  @Field(() => Float, { nullable: true, description: 'Fraction of bootstrap replicates showing the pattern; null without bootstrap.' })
  confidence!: number | null;
}

@ObjectType({ simpleResolvers: true, description: 'Training phases of one model: shared breakpoints of the z-scored signals.' })
export class PhaseResult implements Omit<PhaseDetection, 'breakpoints' | 'segments'> {
  @Field(() => ID)
  modelId!: string;

  @Field(() => PhaseAxis)
  axis!: PhaseAxis;

  @Field(() => Int, { description: 'Number of breakpoints.' })
  k!: number;

  @Field(() => String, { description: 'BIC or FIXED.' })
  kSelectedBy!: PhaseDetection['kSelectedBy'];

  @Field(() => [BicEntryType])
  bicByK!: BicEntryType[];

  @Field(() => [String], { description: 'Signal names in input order, e.g. "task:lambada_openai/acc".' })
  signals!: string[];

  @Field(() => [PhaseBreakpointType])
  breakpoints!: PhaseBreakpointType[];

  @Field(() => [PhaseSegmentType])
  segments!: PhaseSegmentType[];

  @Field(() => [ExcludedCheckpoint], { description: 'Checkpoints left out, with the reason (e.g. step 0 on a log axis).' })
  excluded!: ExcludedCheckpoint[];

  @Field(() => TriplePattern)
  triplePattern!: TriplePattern;
}
