import { ArgsType, Field, ID, Int } from 'type-graphql';
import { BrainStatistic, CellPolicy } from './enums.js';

/** The arguments that pick a brain-score cell, shared by Checkpoint.brainScore and Model.brainTrajectory. */
@ArgsType()
export class BrainCellArgs {
  @Field(() => ID, { description: 'The fMRI dataset.' })
  dataset!: string;

  @Field(() => String, { defaultValue: 'all', description: 'ROI label; "all" is the whole brain.' })
  roi!: string;

  @Field(() => Int, { nullable: true, description: 'A layer; omitted = the best layer at each checkpoint.' })
  layer?: number | null;

  @Field(() => String, { nullable: true, description: 'One subject; omitted = the mean over subjects.' })
  subject?: string | null;

  @Field(() => BrainStatistic, { defaultValue: BrainStatistic.MEAN_R })
  statistic!: BrainStatistic;

  @Field(() => String, { nullable: true, description: 'Encoding parameters other than the defaults (such cells are never computed on demand).' })
  paramsHash?: string | null;

  @Field(() => CellPolicy, { defaultValue: CellPolicy.IF_MISSING, description: 'What to do about cells never computed (see CellPolicy).' })
  policy!: CellPolicy;

  @Field(() => Int, { defaultValue: 30, description: 'With policy WAIT: how long to wait, in seconds (at most 600).' })
  waitSeconds!: number;
}
