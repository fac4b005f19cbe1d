import type { PhaseDetection } from '../compute/phases/detectPhases.js';
import { badInput, CortexError } from '../errors/CortexError.js';
import { brainRows, type BrainStatistic } from '../warehouse/brainScoresRepo.js';
import { modelIds as allModelIds } from '../warehouse/discoveryRepo.js';
import { checkpointsOfModels } from '../warehouse/modelsRepo.js';
import { trajectories, type TrajectoryRow } from '../warehouse/taskScoresRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { bestFreshLayerPerStep } from './cells/cellRows.js';
import { DEFAULT_ENCODING_HASH } from './encoding.js';
import { detectModelPhases, signalName, type SignalSpec } from './phases.js';
import { requireDataset, requireModels, requireRoi, requireTask } from './requireKnown.js';

/** At most this many models and tasks per leaderboard (the cost model prices each). */
export const LEADERBOARD_MAX_MODELS = 64;
export const LEADERBOARD_MAX_TASKS = 16;

/** Phase detection for the leaderboard: the exact fit with k by BIC and no bootstrap (boundaries only, no intervals). */
export const LEADERBOARD_PHASE_OPTIONS = { bootstrap: 0 } as const;

export interface LeaderboardRequest {
  /** null: every model in the warehouse. */
  readonly models: readonly string[] | null;
  /** null: no brain columns (a warehouse without fMRI). */
  readonly dataset: string | null;
  readonly roi: string;
  readonly statistic: BrainStatistic;
  readonly tasks: readonly string[];
  readonly metric: string;
  readonly phases: boolean;
}

/** A model's best stored brain score over its checkpoints (best layer at each), with where it is. */
export interface BestBrainScore {
  readonly value: number;
  readonly step: number;
  readonly tokens: number | null;
  readonly layer: number;
  /** Checkpoints with a stored value (of the model's checkpoints: `LeaderboardRow.checkpoints`). */
  readonly scoredCheckpoints: number;
}

/** A task's value at the model's last checkpoint that has one. */
export interface FinalTaskScore {
  readonly task: string;
  readonly metric: string;
  readonly value: number | null;
  readonly stderr: number | null;
  readonly step: number | null;
  readonly reason: string | null;
}

export interface LeaderboardPhases {
  readonly k: number;
  /** Breakpoint checkpoints (the last step of each phase but the final one). */
  readonly boundaries: number[];
  readonly labels: string[];
  /** The signals the phases were detected on. */
  readonly signals: string[];
}

export interface LeaderboardRow {
  /** 1 = highest best brain score (or, without a dataset, first task's final value); null without one. */
  readonly rank: number | null;
  readonly modelId: string;
  readonly family: string | null;
  readonly params: number | null;
  readonly checkpoints: number;
  readonly brain: BestBrainScore | null;
  readonly brainReason: string | null;
  readonly tasks: FinalTaskScore[];
  readonly phases: LeaderboardPhases | null;
  readonly phasesReason: string | null;
}

export interface Leaderboard {
  readonly dataset: string | null;
  readonly roi: string;
  readonly statistic: BrainStatistic;
  readonly tasks: string[];
  readonly metric: string;
  /** What `rank` orders by, in words. */
  readonly rankedBy: string;
  readonly rows: LeaderboardRow[];
}

/**
 * A Brain-Score-like table (Schrimpf et al. 2018, brain-score.org): per model its best brain score
 * (with the checkpoint and layer it was reached at), its final task scores, and its training phases.
 *
 * Stored cells only, always: a leaderboard reads what has been computed and never starts a job
 * (a model without cells says so in `brainReason`; `computeCells` fills them). Brain scores and
 * each task come from one statement for all models; phases come from the cached detection
 * (services/phases.ts) on the compute pool, with the brain signal and the first listed task the
 * model has.
 */
export async function leaderboard(wh: Warehouse, req: LeaderboardRequest, signal?: AbortSignal): Promise<Leaderboard> {
  const ids = req.models ? [...new Set(req.models)] : await allModelIds(wh);
  if (ids.length > LEADERBOARD_MAX_MODELS) throw badInput(`a leaderboard ranks at most ${LEADERBOARD_MAX_MODELS} models (got ${ids.length}); list them in \`models\``, { argument: 'models' });
  const tasks = [...new Set(req.tasks)];
  if (tasks.length > LEADERBOARD_MAX_TASKS) throw badInput(`give at most ${LEADERBOARD_MAX_TASKS} tasks (got ${tasks.length})`, { argument: 'tasks' });
  const models = await requireModels(wh, ids);
  if (req.dataset !== null) requireRoi(await requireDataset(wh, req.dataset), req.roi);
  for (const task of tasks) await requireTask(wh, task, req.metric);

  const [checkpoints, brain, taskRows] = await Promise.all([
    checkpointsOfModels(wh, ids, { limit: 1_000_000 }),
    req.dataset === null ? Promise.resolve(null) : bestBrainScores(wh, ids, req.dataset, req.roi, req.statistic),
    Promise.all(tasks.map((t) => trajectories(wh, ids, t, req.metric))),
  ]);
  const tokensAt = new Map(checkpoints.map((c) => [`${c.modelId}\0${c.step}`, c.tokens]));
  const brainSpec: SignalSpec | null = req.dataset === null ? null : { kind: 'BRAIN', dataset: req.dataset, roi: req.roi, layer: null, subject: null, statistic: req.statistic };

  const rows = await Promise.all(models.map(async (m) => {
    const found = brain?.get(m.modelId);
    const best = found ? { ...found, tokens: tokensAt.get(`${m.modelId}\0${found.step}`) ?? null } : null;
    const finals = tasks.map((task, i) => finalScore(task, req.metric, taskRows[i].filter((r) => r.modelId === m.modelId)));
    const specs: SignalSpec[] = [];
    if (brainSpec && best) specs.push(brainSpec);
    const phaseTask = finals.find((f) => f.value !== null);
    if (phaseTask) specs.push({ kind: 'TASK', task: phaseTask.task, metric: req.metric });
    const phases = req.phases ? await modelPhases(wh, m.modelId, specs, signal) : { phases: null, reason: 'not asked for (phases: false)' };
    return {
      modelId: m.modelId, family: m.family, params: m.params, checkpoints: checkpoints.filter((c) => c.modelId === m.modelId).length,
      brain: best,
      brainReason: req.dataset === null ? 'no dataset given' : best ? null : `no stored ${req.statistic} brain scores on ${req.dataset} / ${req.roi}; computeCells computes them`,
      tasks: finals,
      phases: phases.phases,
      phasesReason: phases.reason,
    };
  }));

  const rankedBy = req.dataset !== null ? `best ${req.statistic} on ${req.dataset} / ${req.roi}` : tasks.length ? `final ${tasks[0]} / ${req.metric}` : 'nothing (no dataset or task given)';
  const key = (r: (typeof rows)[number]): number | null => (req.dataset !== null ? (r.brain?.value ?? null) : (r.tasks[0]?.value ?? null));
  const ordered = [...rows].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    if (ka === null || kb === null) return ka === kb ? a.modelId.localeCompare(b.modelId) : ka === null ? 1 : -1;
    return kb - ka || a.modelId.localeCompare(b.modelId);
  });
  return {
    dataset: req.dataset, roi: req.roi, statistic: req.statistic, tasks, metric: req.metric, rankedBy,
    rows: ordered.map((r, i) => ({ ...r, rank: key(r) === null ? null : i + 1 })),
  };
}

/**
 * Per model, the highest stored value of the best-layer trajectory (Model.brainTrajectory without a
 * layer: its READY points), from one statement. A checkpoint with a STALE cell (an input changed
 * since it was computed) takes no part, as in phase detection.
 */
async function bestBrainScores(wh: Warehouse, ids: readonly string[], dataset: string, roi: string, statistic: BrainStatistic): Promise<Map<string, Omit<BestBrainScore, 'tokens'>>> {
  const rows = await brainRows(wh, { modelIds: ids, datasetId: dataset, roi, subjectId: null, layer: null, paramsHash: DEFAULT_ENCODING_HASH, statistic });
  const out = new Map<string, Omit<BestBrainScore, 'tokens'>>();
  for (const id of ids) {
    const perStep = bestFreshLayerPerStep(rows.filter((r) => r.modelId === id)).filter((r) => r.value !== null && r.staleReason === null);
    // The earliest checkpoint reaching the maximum wins a tie.
    const top = perStep.reduce<(typeof perStep)[number] | null>((b, r) => (b === null || r.value! > b.value! ? r : b), null);
    if (top) out.set(id, { value: top.value!, step: top.step, layer: top.layer, scoredCheckpoints: perStep.length });
  }
  return out;
}

/** The value at the last checkpoint that has one (Model.taskTrajectory's last non-null point). */
function finalScore(task: string, metric: string, rows: readonly TrajectoryRow[]): FinalTaskScore {
  const last = [...rows].reverse().find((r) => r.value !== null);
  if (!last) return { task, metric, value: null, stderr: null, step: null, reason: rows.length ? 'every stored value is null' : 'no stored scores for this model' };
  return { task, metric, value: last.value, stderr: last.stderr, step: last.step, reason: null };
}

/** Phases on the given signals, or why there are none (a detection's refusal is a reason here, not an error of the whole table). */
async function modelPhases(wh: Warehouse, modelId: string, specs: readonly SignalSpec[], signal?: AbortSignal): Promise<{ phases: LeaderboardPhases | null; reason: string | null }> {
  if (specs.length === 0) return { phases: null, reason: 'no stored brain score or listed task to detect phases on' };
  let detection: PhaseDetection;
  try {
    detection = await detectModelPhases(wh, modelId, specs, LEADERBOARD_PHASE_OPTIONS, signal);
  } catch (error) {
    if (signal?.aborted || !(error instanceof CortexError)) throw error;
    return { phases: null, reason: error.message };
  }
  return {
    phases: { k: detection.k, boundaries: detection.breakpoints.map((b) => b.step), labels: detection.segments.map((s) => s.label), signals: specs.map(signalName) },
    reason: null,
  };
}
