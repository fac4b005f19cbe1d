/**
 * Every GraphQL enum, registered on the object of the layer that owns the concept (type-graphql's
 * `registerEnumType` on the same enum object), so a value added there is in the API at once and
 * no cast bridges two copies. Schema files import the enums from here, which registers them.
 */
import { registerEnumType } from 'type-graphql';
import { PhaseLabel, SignalRole } from '../compute/phases/labels.js';
import { GridScale } from '../compute/trajectories/compareSeries.js';
import { PhaseAxis, TrainingAxis } from '../compute/trajectories/trainingAxis.js';
import { CellPolicy, CellStatus } from '../services/cells.js';
import { Role } from '../warehouse/apiKeysRepo.js';
import { BrainStatistic } from '../warehouse/brainScoresRepo.js';
import { JobKind, JobStatus } from '../warehouse/jobsRepo.js';
import { ScoreGroupBy, ScoreSource } from '../warehouse/taskScoresRepo.js';

export { BrainStatistic, CellPolicy, CellStatus, GridScale, JobKind, JobStatus, PhaseAxis, PhaseLabel, Role, ScoreGroupBy, ScoreSource, SignalRole, TrainingAxis };

registerEnumType(TrainingAxis, {
  name: 'AlignBy',
  description: 'The common axis on which models are compared.',
  valuesConfig: {
    STEP: { description: 'Optimizer steps.' },
    TOKENS: { description: 'Training tokens seen (step × tokens per step).' },
    FRACTION: { description: 'Fraction of the model’s own training run (step / final step).' },
  },
});

registerEnumType(GridScale, { name: 'GridScale', description: 'Spacing of a shared interpolation grid.' });

registerEnumType(ScoreGroupBy, {
  name: 'ScoreGroupBy',
  description: 'Dimensions a task-score aggregate can be grouped by. TASK groups by the requested task or task-group names.',
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
  description: 'READY: stored. MISSING: never computed (not zero). PENDING: being computed. FAILED: the computation failed. NEVER: cannot be computed.',
});

registerEnumType(CellPolicy, {
  name: 'CellPolicy',
  description:
    'What a cell-returning field does about cells never computed. NEVER: stored values only. IF_MISSING (default): stored values ' +
    'now; missing ones come back PENDING with a job id and their computation starts. WAIT: like IF_MISSING, then waits up to ' +
    '`waitSeconds` for them. Re-sending a query never starts a second computation of the same cells.',
});

registerEnumType(JobStatus, { name: 'JobStatus' });

registerEnumType(JobKind, { name: 'JobKind', description: 'encoding: brain scores of every layer and subject; internal: internal-state metrics of every layer.' });

registerEnumType(Role, {
  name: 'Role',
  description: 'reader: queries. writer: queries and mutations (imports, computations). admin: everything, including API keys.',
});

registerEnumType(SignalRole, { name: 'SignalKind', description: 'What a phase signal measures.' });

registerEnumType(PhaseAxis, {
  name: 'PhaseAxis',
  description: 'The x axis segmented. LOG_TOKENS (log10 tokens, the default) and LOG_STEP exclude step 0 and report it in `excluded`.',
});

registerEnumType(BrainStatistic, { name: 'BrainStatistic', description: 'Which per-ROI summary of voxel r a brain signal uses.' });

registerEnumType(PhaseLabel, {
  name: 'PhaseLabel',
  description:
    'Segment label from the slope directions of the brain and task signals (docs/phases.md): ALIGNMENT brain ↑; ' +
    'DETACHMENT brain ↓ while task flat; REALIGNMENT brain ↑ after an earlier brain decline; task-only inputs get ' +
    'RAPID_GAIN, CONSOLIDATION, STAGNATION, DECLINE.',
});
