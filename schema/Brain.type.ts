import { SafeIntResolver } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { EncodingParams } from '../compute/encoding/encodingCells.js';
import type { VoxelScoreRow } from '../warehouse/brainScoresRepo.js';
import type { NoiseCeilingSummary } from '../services/noiseCeilings.js';
import type { FmriImportReport } from '../warehouse/fmriRepo.js';
import { ConnectionBase, OrderBase } from './connection.js';
import type { SortOrder } from '../warehouse/ordering.js';
import { CellStatus, CvMetric, FoldBy, VoxelOrderField, ZScoreMode } from './enums.js';
import { InternalMetricDefinition, TwoNNEstimate } from './InternalMetric.type.js';

@ObjectType({ simpleResolvers: true, description: 'A brain score cell: how well a layer’s features predict the ROI (mean voxel test r, averaged over subjects).' })
export class BrainScore {
  @Field(() => Float, { nullable: true, description: 'null unless status is READY (or the ROI has no defined r, see reason).' })
  value!: number | null;

  @Field(() => CellStatus, { description: 'READY, or why `value` is null (MISSING, PENDING, FAILED, NEVER, STALE).' })
  status!: CellStatus;

  @Field(() => Int, { nullable: true, description: 'The layer the value is for (the best layer when `layer` was omitted).' })
  layer!: number | null;

  @Field(() => Int, { description: 'Subjects the value averages over.' })
  nSubjects!: number;

  @Field(() => Int, { description: 'Voxels of the ROI summed over subjects.' })
  nVoxels!: number;

  @Field(() => Int, { description: 'Voxels with r significantly > 0: Benjamini–Hochberg q ≤ 0.05 over the subject’s voxels of block-permutation p-values (the default), or of one-sided t-test p-values for cells computed with `permutations: 0` (docs/encoding.md “Significance”).' })
  nSignificant!: number;

  @Field(() => String, { nullable: true, description: 'Why there is no value (not computed and why not, computing, failed, cannot be computed).' })
  reason!: string | null;

  @Field(() => ID, { nullable: true, description: 'The job computing (or that computed) this cell; poll `job(id)`.' })
  jobId!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The brain score of one layer of a checkpoint.' })
export class LayerScore {
  @Field(() => Int, { description: 'The layer (0 = the embedding output, i = after block i − 1).' })
  layer!: number;

  @Field(() => Float, { nullable: true, description: 'null unless status is READY.' })
  value!: number | null;

  @Field(() => Int, { description: 'Subjects the value averages over.' })
  nSubjects!: number;

  @Field(() => CellStatus, { description: 'READY, or why `value` is null.' })
  status!: CellStatus;

  @Field(() => ID, { nullable: true, description: 'The job computing (or that computed) the checkpoint’s cells.' })
  jobId!: string | null;

  @Field(() => String, { nullable: true, description: 'Why there is no value.' })
  reason!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'A checkpoint of a brain-score or internal-metric trajectory: its value, or why it has none.' })
export class SignalPoint {
  @Field(() => Int, { description: 'The training step.' })
  step!: number;

  @Field(() => SafeIntResolver, { nullable: true, description: 'Training tokens seen at this step.' })
  tokens!: number | null;

  @Field(() => Float, { nullable: true, description: 'step / the model’s final step (0–1).' })
  fraction!: number | null;

  @Field(() => Float, { nullable: true, description: 'null unless status is READY.' })
  value!: number | null;

  @Field(() => Int, { nullable: true, description: 'The layer the value comes from (best layer per checkpoint when none was given; null for a mean over layers).' })
  layer!: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'What the value compares with: for linearCKA the previous checkpoint with features (the gap differs from point to point ' +
      'with log-spaced checkpoints), for linearCKAToFinal the model’s final checkpoint; null for other metrics, or when there was none.',
  })
  referenceStep?: number | null;

  @Field(() => TwoNNEstimate, { nullable: true, description: 'For twoNN: the points it used and its scale check; null for other metrics.' })
  twoNN?: TwoNNEstimate | null;

  @Field(() => InternalMetricDefinition, {
    nullable: true,
    description: 'For internal metrics: the definition, centring, estimator and parameters the values were computed with (the same at every point); null for brain scores.',
  })
  definition?: InternalMetricDefinition | null;

  @Field(() => CellStatus, { description: 'READY, or why `value` is null: MISSING, PENDING (see jobId), FAILED, NEVER, STALE.' })
  status!: CellStatus;

  @Field(() => ID, { nullable: true, description: 'The job computing (or that computed) this checkpoint’s cells.' })
  jobId!: string | null;

  @Field(() => String, { nullable: true, description: 'Why there is no value.' })
  reason!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'The score of one voxel in one cell.' })
export class VoxelScore implements Omit<VoxelScoreRow, 'total' | 'position'> {
  @Field(() => Int, { description: 'Voxel index within the subject (mask order).' })
  voxel!: number;

  @Field(() => String, { nullable: true, description: 'The voxel’s ROI label, if it has one.' })
  roi!: string | null;

  @Field(() => Float, { nullable: true, description: 'Test Pearson r; null when undefined (e.g. a constant voxel).' })
  r!: number | null;

  @Field(() => Float, { nullable: true, description: 'The ridge penalty chosen for this voxel by cross-validation.' })
  alpha!: number | null;

  @Field(() => Float, { nullable: true, description: 'The voxel’s noise ceiling CC_max (Schoppe et al. 2016) from repeated test presentations; null without repeats or repeatable signal.' })
  noiseCeiling!: number | null;

  @Field(() => Float, { nullable: true, description: 'r / noiseCeiling (Schoppe et al.’s CC_norm); null without a ceiling. Noisy where the ceiling is small: prefer ROI statistics (CEILED_MEAN_R).' })
  ceiledR!: number | null;

  @Field(() => Float, { nullable: true, description: 'One-sided block-permutation p-value of r > 0 ((1 + #{r_π ≥ r}) / (1 + P)); null where r is undefined, and for t-test cells (`permutations: 0`, and cells stored before permutations were the default).' })
  pValue!: number | null;

  @Field(() => Float, { nullable: true, description: 'Benjamini–Hochberg q-value of pValue over the subject’s voxels (nSignificant counts q ≤ 0.05); null where pValue is.' })
  qValue!: number | null;
}

@ObjectType({ description: 'A voxel score with its cursor.' })
export class VoxelScoreEdge {
  @Field(() => String, { description: 'Pass as `after` to continue after this voxel.' })
  cursor!: string;

  @Field(() => VoxelScore, { description: 'The voxel score.' })
  node!: VoxelScore;
}

@ObjectType({ description: 'Per-voxel scores of one cell, in the order asked for.' })
export class VoxelScoreConnection extends ConnectionBase {
  @Field(() => [VoxelScoreEdge], { description: 'The page’s voxels with their cursors.' })
  edges!: VoxelScoreEdge[];

  @Field(() => [VoxelScore], { description: 'The page’s voxels, without cursors.' })
  nodes!: VoxelScore[];

  @Field(() => CellStatus, {
    description: 'READY (the cell is stored and current), STALE (an input changed since it was computed: these are the old scores, see `reason`) or MISSING (not stored: no voxels).',
  })
  status!: CellStatus;

  @Field(() => String, { nullable: true, description: 'Why the cell is STALE or MISSING; null when READY.' })
  reason!: string | null;

  @Field(() => ID, { nullable: true, description: 'The run that computed the cell (see `run(id)`); null when MISSING.' })
  runId!: string | null;
}

@InputType({ description: 'How voxel scores are sorted.' })
export class VoxelOrder extends OrderBase implements SortOrder<VoxelOrderField> {
  @Field(() => VoxelOrderField, { defaultValue: VoxelOrderField.VOXEL, description: 'VOXEL (index) or R (test r; undefined r last, ties by voxel).' })
  field!: VoxelOrderField;
}

@ObjectType({ simpleResolvers: true, description: 'One run (story) of a dataset.' })
export class DatasetRunInfo {
  @Field(() => ID, { description: 'The run id.' })
  id!: string;

  @Field(() => String, { description: '"train" or "test": encoding models are fit on train runs and scored on test runs.' })
  split!: string;

  @Field(() => Int, { description: 'Volumes (TRs) recorded.' })
  nTrs!: number;

  @Field(() => Int, { description: 'Words of the stimulus transcript.' })
  nWords!: number;
}

@ObjectType({ simpleResolvers: true, description: 'A region of interest: a label of a dataset’s voxels, accepted as `roi`.' })
export class Roi {
  @Field(() => String, { description: 'The label, exactly as `roi` takes it ("all" is the whole brain).' })
  name!: string;

  @Field(() => Int, { description: 'Voxels with the label, summed over subjects.' })
  nVoxels!: number;
}

@ObjectType('NoiseCeiling', { simpleResolvers: true, description: 'How well any model could predict a dataset’s voxels, given their trial-to-trial noise: per-voxel CC_max from repeated test presentations.' })
export class NoiseCeilingType implements NoiseCeilingSummary {
  @Field(() => ID, { description: 'The dataset.' })
  datasetId!: string;

  @Field(() => String, { description: 'The ROI ("all" = whole brain).' })
  roi!: string;

  @Field(() => String, { nullable: true, description: 'The subject; null = every subject’s voxels pooled.' })
  subjectId!: string | null;

  @Field(() => Boolean, { description: 'Whether any voxel of the selection has a ceiling.' })
  available!: boolean;

  @Field(() => String, { nullable: true, description: 'Why the ceiling is unavailable (e.g. no repeated test presentations).' })
  reason!: string | null;

  @Field(() => String, { description: 'The estimator and its reference.' })
  estimator!: string;

  @Field(() => Int, { nullable: true, description: 'Presentations per repeated test run used (the smallest count); null without repeats.' })
  repeats!: number | null;

  @Field(() => Int, { description: 'Voxels of the selection.' })
  nVoxels!: number;

  @Field(() => Int, { description: 'Voxels with a ceiling (their repeats share signal).' })
  nWithCeiling!: number;

  @Field(() => Float, { nullable: true, description: 'Mean CC_max, a voxel without a ceiling counting 0: the denominator of CEILED_MEAN_R.' })
  mean!: number | null;

  @Field(() => Float, { nullable: true, description: 'Median CC_max over the voxels with a ceiling.' })
  median!: number | null;
}

@ObjectType({ simpleResolvers: true, description: 'An fMRI dataset: runs of a naturalistic stimulus and the subjects who heard it.' })
export class Dataset {
  @Field(() => ID, { description: 'The dataset id, as cell fields take it.' })
  id!: string;

  @Field(() => Float, { description: 'Seconds per volume (repetition time).' })
  trSeconds!: number;

  @Field(() => [String], { description: 'Subject ids, as `subject` takes them.' })
  subjects!: string[];

  @Field(() => [Roi], { description: 'The accepted `roi` values: "all" first (the whole brain), then every label, with voxel counts.' })
  rois!: Roi[];

  @Field(() => [DatasetRunInfo], { description: 'Runs in presentation order.' })
  runs!: DatasetRunInfo[];
}

@ObjectType('FmriImportReport', { simpleResolvers: true, description: 'What an fMRI import wrote.' })
export class FmriImportReportType implements FmriImportReport {
  @Field(() => ID, { description: 'The dataset id.' })
  dataset!: string;

  @Field(() => Int, { description: 'Runs imported.' })
  runs!: number;

  @Field(() => Int, { description: 'Subjects imported.' })
  subjects!: number;

  @Field(() => Int, { description: 'Voxels imported, summed over subjects.' })
  voxels!: number;

  @Field(() => Int, { description: 'Stimulus words imported, over all runs.' })
  words!: number;

  @Field(() => Int, { description: 'Brain-score summaries of an earlier import of the same dataset, removed with it.' })
  replacedScores!: number;
}

@InputType({ description: 'Per-word features of one (model, step, layer) from an .npy file (n_words × dim, words of all runs in run order): `path` is an upload (`upload:<id>`) or a path inside the import roots.' })
export class ImportFeaturesInput {
  @Field(() => ID, { description: 'The model id.' }) model!: string;
  @Field(() => Int, { description: 'The checkpoint step.' }) step!: number;
  @Field(() => Int, { description: 'The layer the features are of.' }) layer!: number;
  @Field(() => ID, { description: 'The dataset whose stimulus words the rows are.' }) dataset!: string;
  @Field(() => String, { description: 'The .npy file on the server (float32 or float64, n_words × dim).' }) path!: string;
}

@ObjectType({ simpleResolvers: true, description: 'What a feature import or extraction stored.' })
export class FeatureImportReport {
  @Field(() => Int, { description: 'Words (rows) per layer.' }) nWords!: number;
  @Field(() => Int, { description: 'Feature dimension (columns).' }) dim!: number;
}

@InputType({ description: 'Encoding parameters; omitted fields take the defaults, whose hash is what queries use by default.' })
export class EncodingParamsInput implements Partial<Pick<EncodingParams, 'alphas' | 'folds' | 'delays' | 'downsample' | 'permutations' | 'blockTrs' | 'cvMetric' | 'foldBy' | 'featureZscore' | 'responseZscore' | 'intercept'>> {
  @Field(() => [Float], { nullable: true, description: 'Ridge penalty grid [13 log-spaced values 1…1e6].' })
  alphas?: number[];

  @Field(() => Int, { nullable: true, description: 'CV folds over the training TRs, 2–50 [5]; see foldBy.' })
  folds?: number;

  @Field(() => FoldBy, { nullable: true, description: 'How folds are cut: CONTIGUOUS blocks of TRs or whole RUNs [CONTIGUOUS].' })
  foldBy?: FoldBy;

  @Field(() => CvMetric, { nullable: true, description: 'What picks each voxel’s α in CV: MSE, R (mean fold correlation, as Huth’s bootstrap_ridge) or R2 (as himalaya) [MSE].' })
  cvMetric?: CvMetric;

  @Field(() => [Int], { nullable: true, description: 'FIR delays in TRs, e.g. [0, 1, 2, 3] (1–16 distinct values within ±16) [1, 2, 3, 4].' })
  delays?: number[];

  @Field(() => ZScoreMode, { nullable: true, description: 'Standardisation of the TR features: RUN, GLOBAL (training statistics) or NONE [RUN].' })
  featureZscore?: ZScoreMode;

  @Field(() => ZScoreMode, { nullable: true, description: 'Standardisation of the responses: RUN, GLOBAL (training statistics) or NONE [RUN].' })
  responseZscore?: ZScoreMode;

  @Field(() => Boolean, { nullable: true, description: 'Fit an unpenalised intercept per voxel (scikit-learn fit_intercept) [false].' })
  intercept?: boolean;

  @Field(() => String, { nullable: true, description: 'Word → TR downsampling: mean or lanczos [mean].' })
  downsample?: EncodingParams['downsample'];

  @Field(() => Int, { nullable: true, description: 'Block permutations of the test predictions for per-voxel p-values, 0–10000 [1000]: nSignificant counts voxels with BH q ≤ 0.05 and `voxelScores` gives pValue and qValue. 0: the parametric t test instead (optimistic under BOLD autocorrelation; no stored p or q; the params hash of cells stored when it was the default, `encodingParams(params: { permutations: 0 })`). docs/encoding.md “Significance”.' })
  permutations?: number;

  @Field(() => Int, { nullable: true, description: 'TRs per permuted block [omitted: 3 × the lag where the test responses’ mean autocorrelation drops below 1/e, bounded to 2…nTest/10; the length used is in the run’s params as blockTrsUsed]. Not with `permutations: 0`.' })
  blockTrs?: number;
}

@ObjectType({ simpleResolvers: true, description: 'Encoding parameters as a run records them, and their hash (Query.encodingParams).' })
export class EncodingParamsReport {
  @Field(() => String, { description: 'The hash brain-score fields take as `paramsHash`.' }) paramsHash!: string;
  @Field(() => String, { description: 'The recorded parameters (JSON; conventions at their defaults are left out, so they hash like omitted ones; `permutations` is always there, 0 for the t test).' }) params!: string;
  @Field(() => Boolean, { description: 'Whether these are the default parameters (the cells read, and computed on demand, without `paramsHash`).' }) isDefault!: boolean;
}

@InputType({ description: 'One checkpoint’s encoding models to fit now (computeEncoding).' })
export class ComputeEncodingInput {
  @Field(() => ID, { description: 'The model id.' }) model!: string;
  @Field(() => Int, { description: 'The checkpoint step.' }) step!: number;
  @Field(() => ID, { description: 'The fMRI dataset.' }) dataset!: string;
  @Field(() => [Int], { nullable: true, description: 'Default: every layer with features.' }) layers?: number[];
  @Field(() => [String], { nullable: true, description: 'Default: every subject.' }) subjects?: string[];
  @Field(() => EncodingParamsInput, { nullable: true, description: 'Default: the default parameters.' }) params?: EncodingParamsInput;
}

@ObjectType({ simpleResolvers: true, description: 'A finished computation, recorded in `runs` with its parameters and device.' })
export class ComputeReport {
  @Field(() => ID, { description: 'The `runs` row of the results (provenance).' }) runId!: string;
  @Field(() => String, { description: 'Hash of the parameters, as `paramsHash` arguments take it.' }) paramsHash!: string;
  @Field(() => Int, { description: 'Cells written (layer × subject for encoding; metric values for internal).' }) cells!: number;
  @Field(() => String, { description: 'Where it ran (GEMM provider, eigendecomposition backend).' }) device!: string;
  @Field(() => Float, { description: 'Wall-clock seconds.' }) seconds!: number;
}
