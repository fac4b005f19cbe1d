import { ArgsType, Field, ID, Int } from 'type-graphql';
import { BrainStatistic, CellPolicy } from './enums.js';

/** What every cell-reading field does about cells that are not stored: the same two arguments everywhere. */
@ArgsType()
export class LazyArgs {
  @Field(() => CellPolicy, {
    defaultValue: CellPolicy.IF_MISSING,
    description: 'What to do about cells never computed: NEVER (stored only), IF_MISSING (start their computation), WAIT (start it and wait). See CellPolicy.',
  })
  policy!: CellPolicy;

  @Field(() => Int, { defaultValue: 30, description: 'With policy WAIT: how long to wait for the computations, in seconds (at most 600).' })
  waitSeconds!: number;
}

/** The arguments that pick brain-score cells of a checkpoint (all layers): Checkpoint.layerProfile. */
@ArgsType()
export class BrainSelectionArgs extends LazyArgs {
  @Field(() => ID, { description: 'The fMRI dataset (`datasets` lists them); NOT_FOUND with the closest ids when unknown.' })
  dataset!: string;

  @Field(() => String, {
    defaultValue: 'all',
    description: 'An ROI label of the dataset, matched exactly (case-sensitive: "STS", not "sts"), or "all" for the whole brain. `Dataset.rois` lists them; an unknown label is NOT_FOUND suggesting the closest.',
  })
  roi!: string;

  @Field(() => String, { nullable: true, description: 'One subject of the dataset; omitted = the mean over subjects.' })
  subject?: string | null;

  @Field(() => BrainStatistic, { defaultValue: BrainStatistic.MEAN_R, description: 'Which per-ROI summary of voxel r.' })
  statistic!: BrainStatistic;

  @Field(() => String, { nullable: true, description: 'Encoding parameters other than the defaults, by hash (such cells are read as stored, never computed on demand).' })
  paramsHash?: string | null;
}

/** The arguments that pick a brain-score cell, shared by Checkpoint.brainScore and Model.brainTrajectory. */
@ArgsType()
export class BrainCellArgs extends BrainSelectionArgs {
  @Field(() => Int, { nullable: true, description: 'A layer of the model (`Model.layers`); omitted = the best layer at each checkpoint.' })
  layer?: number | null;
}
