import { SafeIntResolver } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { EncodingParams } from '../compute/encoding/encodingCells.js';
import type { VoxelScoreRow } from '../warehouse/brainScoresRepo.js';
import type { FmriImportReport } from '../warehouse/fmriRepo.js';
import { ConnectionBase } from './connection.js';
import { CellStatus } from './enums.js';

@ObjectType({ simpleResolvers: true, description: 'A brain score cell: how well a layer’s features predict the ROI (mean voxel test r, averaged over subjects).' })
export class BrainScore {
  @Field(() => Float, { nullable: true, description: 'null unless status is READY (or the ROI has no defined r, see reason).' })
  value!: number | null;

  @Field(() => CellStatus)
  status!: CellStatus;

  @Field(() => Int, { nullable: true, description: 'The layer the value is for (the best layer when asked for bestLayer).' })
  layer!: number | null;

  @Field(() => Int)
  nSubjects!: number;

  @Field(() => Int, { description: 'Voxels of the ROI summed over subjects.' })
  nVoxels!: number;

  @Field(() => Int, { description: 'Voxels with r significantly > 0 (one-sided t test, Benjamini–Hochberg FDR per subject).' })
  nSignificant!: number;

  @Field(() => String, { nullable: true, description: 'Why there is no value (not computed, computing, failed, cannot be computed).' })
  reason!: string | null;

  @Field(() => ID, { nullable: true, description: 'The job computing (or that computed) this cell.' })
  jobId!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class LayerScore {
  @Field(() => Int)
  layer!: number;

  @Field(() => Float, { nullable: true })
  value!: number | null;

  @Field(() => Int)
  nSubjects!: number;
}

@ObjectType({ simpleResolvers: true, description: 'A point of a brain-score or internal-metric trajectory.' })
export class SignalPoint {
  @Field(() => Int)
  step!: number;

  @Field(() => SafeIntResolver, { nullable: true })
  tokens!: number | null;

  @Field(() => Float, { nullable: true })
  fraction!: number | null;

  @Field(() => Float, { nullable: true })
  value!: number | null;

  @Field(() => Int, { nullable: true, description: 'The layer the value comes from (best layer per checkpoint when none was given).' })
  layer!: number | null;

  @Field(() => CellStatus, { description: 'READY, or why `value` is null: MISSING, PENDING (see jobId), FAILED, NEVER.' })
  status!: CellStatus;

  @Field(() => ID, { nullable: true })
  jobId!: string | null;
}

@ObjectType({ simpleResolvers: true })
export class VoxelScore implements Omit<VoxelScoreRow, 'total'> {
  @Field(() => Int)
  voxel!: number;

  @Field(() => String, { nullable: true })
  roi!: string | null;

  @Field(() => Float, { nullable: true, description: 'Test Pearson r; null when undefined (e.g. a constant voxel).' })
  r!: number | null;

  @Field(() => Float, { nullable: true, description: 'The ridge penalty chosen for this voxel by cross-validation.' })
  alpha!: number | null;
}

@ObjectType()
export class VoxelScoreEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => VoxelScore)
  node!: VoxelScore;
}

@ObjectType({ description: 'Per-voxel scores of one cell, in voxel order.' })
export class VoxelScoreConnection extends ConnectionBase {
  @Field(() => [VoxelScoreEdge])
  edges!: VoxelScoreEdge[];

  @Field(() => [VoxelScore])
  nodes!: VoxelScore[];
}

@ObjectType({ simpleResolvers: true })
export class DatasetRunInfo {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  split!: string;

  @Field(() => Int)
  nTrs!: number;

  @Field(() => Int)
  nWords!: number;
}

@ObjectType({ simpleResolvers: true, description: 'An fMRI dataset: runs of a naturalistic stimulus and the subjects who heard it.' })
export class Dataset {
  @Field(() => ID)
  id!: string;

  @Field(() => Float)
  trSeconds!: number;

  @Field(() => [String])
  subjects!: string[];

  @Field(() => [DatasetRunInfo])
  runs!: DatasetRunInfo[];
}

@ObjectType('FmriImportReport', { simpleResolvers: true })
export class FmriImportReportType implements FmriImportReport {
  @Field(() => ID)
  dataset!: string;

  @Field(() => Int)
  runs!: number;

  @Field(() => Int)
  subjects!: number;

  @Field(() => Int)
  voxels!: number;

  @Field(() => Int)
  words!: number;

  @Field(() => Int, { description: 'Brain-score summaries of an earlier import of the same dataset, removed with it.' })
  replacedScores!: number;
}

@InputType({ description: 'Per-word features of one (model, step, layer) from an .npy file (n_words × dim, words of all runs in run order): `path` is an upload (`upload:<id>`) or a path inside the import roots.' })
export class ImportFeaturesInput {
  @Field(() => ID) model!: string;
  @Field(() => Int) step!: number;
  @Field(() => Int) layer!: number;
  @Field(() => ID) dataset!: string;
  @Field(() => String) path!: string;
}

@ObjectType({ simpleResolvers: true })
export class FeatureImportReport {
  @Field(() => Int) nWords!: number;
  @Field(() => Int) dim!: number;
}

@InputType({ description: 'Encoding parameters; omitted fields take the defaults, whose hash is what queries use by default.' })
export class EncodingParamsInput implements Partial<Pick<EncodingParams, 'alphas' | 'folds' | 'delays' | 'downsample'>> {
  @Field(() => [Float], { nullable: true, description: 'Ridge penalty grid [13 log-spaced values 1…1e6].' })
  alphas?: number[];

  @Field(() => Int, { nullable: true, description: 'Contiguous CV folds over the training TRs [5].' })
  folds?: number;

  @Field(() => [Int], { nullable: true, description: 'FIR delays in TRs [1, 2, 3, 4].' })
  delays?: number[];

  @Field(() => String, { nullable: true, description: 'Word → TR downsampling: mean or lanczos [mean].' })
  downsample?: EncodingParams['downsample'];
}

@InputType()
export class ComputeEncodingInput {
  @Field(() => ID) model!: string;
  @Field(() => Int) step!: number;
  @Field(() => ID) dataset!: string;
  @Field(() => [Int], { nullable: true, description: 'Default: every layer with features.' }) layers?: number[];
  @Field(() => [String], { nullable: true, description: 'Default: every subject.' }) subjects?: string[];
  @Field(() => EncodingParamsInput, { nullable: true }) params?: EncodingParamsInput;
}

@ObjectType({ simpleResolvers: true, description: 'A finished computation, recorded in `runs` with its parameters and device.' })
export class ComputeReport {
  @Field(() => ID) runId!: string;
  @Field(() => String) paramsHash!: string;
  @Field(() => Int, { description: 'Cells written (layer × subject for encoding; metric values for internal).' }) cells!: number;
  @Field(() => String) device!: string;
  @Field(() => Float) seconds!: number;
}

