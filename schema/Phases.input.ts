import { Field, Float, InputType, Int } from 'type-graphql';
import type { DetectPhasesOptions } from '../compute/phases/detectPhases.js';
import { BrainStatistic, PhaseAxis, SignalRole } from './enums.js';

@InputType({ description: 'One signal of a phase detection. TASK needs `task` (a task or task group); BRAIN needs `dataset`; INTERNAL needs `metric`.' })
export class SignalInput {
  @Field(() => SignalRole, { description: 'What the signal measures; decides which other fields it needs.' })
  kind!: SignalRole;

  @Field(() => String, { nullable: true, description: 'TASK: a task or task group, e.g. "lambada_openai", "mmlu".' })
  task?: string;

  @Field(() => String, { nullable: true, description: 'TASK: the metric (default "acc"); INTERNAL: the metric, e.g. "twoNN", "effectiveRank", "linearCKA".' })
  metric?: string;

  @Field(() => String, { nullable: true, description: 'BRAIN: the fMRI dataset; INTERNAL: the dataset whose stimulus words the metric was computed on.' })
  dataset?: string;

  @Field(() => String, { nullable: true, defaultValue: 'all', description: 'BRAIN: the ROI, exactly as `Dataset.rois` names it ("all" = whole brain).' })
  roi?: string;

  @Field(() => Int, { nullable: true, description: 'BRAIN / INTERNAL: a fixed layer; omitted = best layer per checkpoint (BRAIN) or mean over layers (INTERNAL).' })
  layer?: number;

  @Field(() => String, { nullable: true, description: 'BRAIN: one subject; omitted = mean over subjects.' })
  subject?: string;

  @Field(() => BrainStatistic, { nullable: true, defaultValue: BrainStatistic.MEAN_R, description: 'BRAIN: which per-ROI summary of voxel r.' })
  statistic?: BrainStatistic;

  @Field(() => String, { nullable: true, description: 'BRAIN: encoding parameters hash (default: the default parameters).' })
  paramsHash?: string;

  @Field(() => Float, { nullable: true, description: 'Relative weight in the shared segmentation cost (default 1).' })
  weight?: number;

  @Field(() => Float, { nullable: true, description: 'Smallest fitted change over a segment, in the signal’s own units (e.g. 0.01 accuracy), that may be labelled UP or DOWN [0]. For signals without stored standard errors (brain, internal); see `PhaseOptionsInput.minEffect`.' })
  minDelta?: number;
}

@InputType({ description: 'Options of phase detection; defaults in brackets.' })
export class PhaseOptionsInput implements DetectPhasesOptions {
  @Field(() => PhaseAxis, { nullable: true, description: '[LOG_TOKENS]' })
  axis?: PhaseAxis;

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

  @Field(() => Float, { nullable: true, description: 'UP / DOWN also need the fitted change to exceed minEffect × its standard error implied by the stored standard errors (task accuracies) [2]; 0 = off. Keeps labels off changes within the error bars (docs/phases.md).' })
  minEffect?: number;
}
