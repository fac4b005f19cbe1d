/**
 * Every GraphQL enum, registered on the object of the layer that owns the concept (type-graphql's
 * `registerEnumType` on the same enum object), so a value added there is in the API at once and
 * no cast bridges two copies. Schema files import the enums from here, which registers them.
 * Every value is described (test/api/schemaDescriptions.test.ts counts them).
 */
import { registerEnumType } from 'type-graphql';
import { FoldBy } from '../compute/encoding/encodingCells.js';
import { ZScoreMode } from '../compute/encoding/features.js';
import { CvMetric } from '../compute/encoding/ridgeCvScore.js';
import { PhaseLabel, SignalRole } from '../compute/phases/labels.js';
import { GridScale } from '../compute/trajectories/compareSeries.js';
import { PhaseAxis, TrainingAxis } from '../compute/trajectories/trainingAxis.js';
import { CELL_POLICY_MEANINGS, CELL_STATUS_MEANINGS, CellPolicy, CellStatus } from '../services/cells/cellStatus.js';
import { Role } from '../warehouse/apiKeysRepo.js';
import { BrainStatistic, VoxelOrderField } from '../warehouse/brainScoresRepo.js';
import { JobKind, JobStatus } from '../warehouse/jobsRepo.js';
import { CheckpointOrderField, ModelOrderField } from '../warehouse/modelsRepo.js';
import { SortDirection } from '../warehouse/ordering.js';
import { ScoreGroupBy, ScoreSource } from '../warehouse/taskScoresRepo.js';

export {
  BrainStatistic, CellPolicy, CellStatus, CheckpointOrderField, CvMetric, FoldBy, ZScoreMode, GridScale, JobKind, JobStatus, ModelOrderField, PhaseAxis, PhaseLabel, Role,
  ScoreGroupBy, ScoreSource, SignalRole, SortDirection, TrainingAxis, VoxelOrderField,
};

/** valuesConfig from a value → meaning table. */
function described<K extends string>(meanings: Readonly<Record<K, string>>): Record<K, { description: string }> {
  return Object.fromEntries(Object.entries(meanings).map(([k, v]) => [k, { description: v as string }])) as Record<K, { description: string }>;
}

registerEnumType(TrainingAxis, {
  name: 'AlignBy',
  description: 'The common axis on which models are compared.',
  valuesConfig: described<keyof typeof TrainingAxis>({
    STEP: 'Optimizer steps.',
    TOKENS: 'Training tokens seen (step × tokens per step).',
    FRACTION: 'Fraction of the model’s own training run (step / final step).',
  }),
});

registerEnumType(GridScale, {
  name: 'GridScale',
  description: 'Spacing of a shared interpolation grid.',
  valuesConfig: described<keyof typeof GridScale>({ LINEAR: 'Evenly spaced on the axis.', LOG: 'Evenly spaced in log10 of the axis (points at x ≤ 0 are left out).' }),
});

registerEnumType(ScoreGroupBy, {
  name: 'ScoreGroupBy',
  description: 'Dimensions a task-score aggregate can be grouped by. TASK groups by the requested task or task-group names.',
  valuesConfig: described<keyof typeof ScoreGroupBy>({
    MODEL: 'One row per model.',
    FAMILY: 'One row per model family.',
    TASK: 'One row per requested task or task group.',
    STEP: 'One row per checkpoint step.',
  }),
});

registerEnumType(ScoreSource, {
  name: 'ScoreSource',
  description: 'Where a task score comes from.',
  valuesConfig: {
    FILE: { description: 'A results file: a task, or a group score the file itself aggregated (lm-evaluation-harness v0.4 groups such as mmlu).' },
    COMPUTED: { description: 'A task group formed at query time, where no file holds the group: the unweighted mean of its leaf tasks (`nTasks`, `groupSubtasks`).' },
  },
});

registerEnumType(CellStatus, {
  name: 'CellStatus',
  description: 'Whether a cell has a value, and if not why: missing is not failed is not zero. A polled cell only moves forward (MISSING/PENDING → READY or FAILED).',
  valuesConfig: described(CELL_STATUS_MEANINGS),
});

registerEnumType(CellPolicy, {
  name: 'CellPolicy',
  description: 'What a cell-returning field does about cells never computed. Re-sending a query never starts a second computation of the same cells.',
  valuesConfig: described(CELL_POLICY_MEANINGS),
});

registerEnumType(JobStatus, {
  name: 'JobStatus',
  description: 'Where a job is: QUEUED → RUNNING → SUCCEEDED, FAILED or CANCELLED.',
  valuesConfig: described<keyof typeof JobStatus>({
    QUEUED: 'Waiting for a worker (also after a restart interrupted it).',
    RUNNING: 'Being computed; see `progress`.',
    SUCCEEDED: 'Its cells are stored (written in the same transaction as this status).',
    FAILED: 'Failed (see `error`); not retried until asked for (computeCells(retryFailed: true)).',
    CANCELLED: 'Stopped by cancelJob; nothing of it was written.',
  }),
});

registerEnumType(JobKind, {
  name: 'JobKind',
  description: 'What a job computes.',
  valuesConfig: described<keyof typeof JobKind>({
    ENCODING: 'Brain scores of every layer and subject of a checkpoint (voxel-wise ridge encoding models).',
    INTERNAL: 'Internal-state metrics of every layer of a checkpoint.',
  }),
});

registerEnumType(Role, {
  name: 'Role',
  description: 'What an API key may do; each role may do what the ones before it may.',
  valuesConfig: described<keyof typeof Role>({
    READER: 'Queries (and starting computations of missing cells, where the server allows it).',
    WRITER: 'Queries and mutations: imports, computations, exports.',
    ADMIN: 'Everything, including API keys.',
  }),
});

registerEnumType(SignalRole, {
  name: 'SignalKind',
  description: 'What a phase signal measures.',
  valuesConfig: described<keyof typeof SignalRole>({
    BRAIN: 'A brain score (dataset, ROI, layer or best layer).',
    TASK: 'A benchmark task or task group and metric.',
    INTERNAL: 'An internal-state metric (at a layer, or the mean over layers).',
  }),
});

registerEnumType(PhaseAxis, {
  name: 'PhaseAxis',
  description: 'The x axis segmented. LOG_TOKENS (log10 tokens, the default) and LOG_STEP exclude step 0 and report it in `excluded`.',
  valuesConfig: described<keyof typeof PhaseAxis>({
    LOG_TOKENS: 'log10 of training tokens (the default).',
    TOKENS: 'Training tokens.',
    STEP: 'Optimizer steps.',
    LOG_STEP: 'log10 of the step.',
    FRACTION: 'step / final step.',
  }),
});

registerEnumType(CvMetric, {
  name: 'CvMetric',
  description: 'What picks each voxel’s ridge penalty in cross-validation (docs/encoding.md “Conventions”).',
  valuesConfig: described<keyof typeof CvMetric>({
    MSE: 'Pooled held-out squared error over all training TRs, lowest wins (the default; scikit-learn RidgeCV’s criterion).',
    R: 'Mean over folds of the held-out Pearson r, highest wins (Huth et al.’s bootstrap_ridge selects by mean correlation).',
    R2: 'Mean over folds of the held-out R² (scikit-learn r2_score per voxel), highest wins (himalaya’s default score).',
  }),
});

registerEnumType(ZScoreMode, {
  name: 'ZScoreMode',
  description: 'How features or responses are standardised before the fit.',
  valuesConfig: described<keyof typeof ZScoreMode>({
    RUN: 'Each run by its own mean and SD (the default; Huth et al. 2016).',
    GLOBAL: 'By the mean and SD of all training TRs, applied to the test TRs too (a StandardScaler fitted on the training set).',
    NONE: 'As stored.',
  }),
});

registerEnumType(FoldBy, {
  name: 'FoldBy',
  description: 'How the training TRs are cut into CV folds.',
  valuesConfig: described<keyof typeof FoldBy>({
    CONTIGUOUS: '`folds` contiguous blocks of the stacked training TRs, cutting through runs (the default; KFold(shuffle=False)).',
    RUN: '`folds` groups of consecutive whole training runs; folds = number of training runs is leave-one-run-out.',
  }),
});

registerEnumType(BrainStatistic, {
  name: 'BrainStatistic',
  description: 'Which per-ROI summary of voxel r a brain signal uses.',
  valuesConfig: described<keyof typeof BrainStatistic>({
    MEAN_R: 'Mean test r over the ROI’s voxels.',
    MEDIAN_R: 'Median test r over the ROI’s voxels.',
    TOP_MEAN_R: 'Mean test r of the ROI’s best 10 % of voxels.',
    CEILED_MEAN_R: 'MEAN_R divided by the ROI’s mean noise ceiling (CC_max from repeated test presentations; a voxel without repeatable signal counts 0), per subject, averaged over the subjects that have ceilings: the fraction of the explainable correlation reached. null (with a reason) where the dataset has no repeated test runs; see `Dataset.noiseCeiling`.',
  }),
});

registerEnumType(PhaseLabel, {
  name: 'PhaseLabel',
  description:
    'Segment label from the slope directions (UP/DOWN/FLAT, a z test) of the brain and task signals (docs/phases.md). ' +
    'With a brain signal: ALIGNMENT … PLATEAU; task-only inputs: RAPID_GAIN, CONSOLIDATION, STAGNATION, DECLINE; internal-only: INCREASE, DECREASE, STEADY.',
  valuesConfig: described<keyof typeof PhaseLabel>({
    ALIGNMENT: 'Brain UP, task not UP, no earlier brain decline (the seed paper’s phase 1).',
    DETACHMENT: 'Brain DOWN while the task is FLAT (phase 2).',
    REALIGNMENT: 'Brain UP after an earlier brain decline (phase 3).',
    CO_GAIN: 'Brain UP and task UP, no earlier brain decline.',
    DIVERGENCE: 'Brain DOWN while the task goes UP.',
    CO_DECLINE: 'Brain DOWN and task DOWN.',
    TASK_GAIN_ONLY: 'Brain FLAT, task UP.',
    TASK_DECLINE_ONLY: 'Brain FLAT, task DOWN.',
    PLATEAU: 'Brain FLAT, task FLAT.',
    RAPID_GAIN: 'Task-only: UP with at least half the steepest segment’s slope.',
    CONSOLIDATION: 'Task-only: UP, more slowly.',
    STAGNATION: 'Task-only: FLAT.',
    DECLINE: 'Task-only: DOWN.',
    INCREASE: 'Internal-only: UP.',
    DECREASE: 'Internal-only: DOWN.',
    STEADY: 'Internal-only: FLAT.',
  }),
});

registerEnumType(SortDirection, {
  name: 'OrderDirection',
  description: 'Which way a connection is sorted.',
  valuesConfig: described<keyof typeof SortDirection>({ ASC: 'Smallest first.', DESC: 'Largest first.' }),
});

registerEnumType(ModelOrderField, {
  name: 'ModelOrderField',
  description: 'What `models` can be sorted by (ties by id).',
  valuesConfig: described<keyof typeof ModelOrderField>({ ID: 'The model id (its name).', PARAMS: 'The parameter count (unknown counts last).' }),
});

registerEnumType(CheckpointOrderField, {
  name: 'CheckpointOrderField',
  description: 'What checkpoints can be sorted by.',
  valuesConfig: described<keyof typeof CheckpointOrderField>({ STEP: 'The training step.' }),
});

registerEnumType(VoxelOrderField, {
  name: 'VoxelOrderField',
  description: 'What voxel scores can be sorted by (ties by voxel).',
  valuesConfig: described<keyof typeof VoxelOrderField>({ VOXEL: 'The voxel index.', R: 'Test Pearson r (undefined r last).' }),
});
