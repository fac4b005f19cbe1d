import DataLoader from 'dataloader';
import { checkpointsOfModels, modelsByIds, type CheckpointPage, type CheckpointRow, type ModelRow } from '../warehouse/modelsRepo.js';
import { scoresByKeys, trajectories, type ScoreKey, type ScoreRow, type TrajectoryRow } from '../warehouse/taskScoresRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { evalDuplicateOf, type CheckpointRef } from '../warehouse/evalDuplicatesRepo.js';
import { evalSourcesBySha, evalSourcesOfCheckpoints, type EvalSourceRow } from '../warehouse/evalSourcesRepo.js';

export type CheckpointBatch = { rows: (CheckpointRow & { totalCount: number })[] };

/**
 * Every per-parent lookup goes through a DataLoader, so a query over many parents issues one
 * statement per field level, not one per parent. Loaders whose SQL depends on field arguments
 * are kept per argument set (`keyed`).
 */
export interface Loaders {
  readonly model: DataLoader<string, ModelRow | null>;
  checkpoints(page: CheckpointPage): DataLoader<string, CheckpointBatch>;
  readonly taskScore: DataLoader<ScoreKey, ScoreRow | null, string>;
  trajectory(task: string, metric: string, from?: number, to?: number): DataLoader<string, TrajectoryRow[]>;
  /** Provenance of a results file by sha256 (TaskScore.provenance). */
  readonly evalSource: DataLoader<string, EvalSourceRow | null>;
  /** The results files a checkpoint's scores came from, keyed "model\0step". */
  readonly checkpointEvalSources: DataLoader<string, EvalSourceRow[]>;
  /** The checkpoint whose evals a checkpoint's equal, keyed "model\0step". */
  readonly evalDuplicateOf: DataLoader<string, CheckpointRef | null>;
}

export function createLoaders(wh: Warehouse): Loaders {
  const checkpointLoaders = new Map<string, DataLoader<string, CheckpointBatch>>();
  const trajectoryLoaders = new Map<string, DataLoader<string, TrajectoryRow[]>>();

  return {
    model: new DataLoader(async (ids) => {
      const rows = await modelsByIds(wh, ids);
      const byId = new Map(rows.map((r) => [r.modelId, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),

    checkpoints: (page) =>
      memo(checkpointLoaders, JSON.stringify(page), () =>
        new DataLoader(async (modelIds: readonly string[]) => {
          const rows = await checkpointsOfModels(wh, modelIds, page);
          return modelIds.map((id) => ({ rows: rows.filter((r) => r.modelId === id) }));
        }),
      ),

    taskScore: new DataLoader(
      async (keys) => {
        const rows = await scoresByKeys(wh, keys);
        const byKey = new Map(rows.map((r) => [scoreKey(r), r]));
        return keys.map((k) => byKey.get(scoreKey(k)) ?? null);
      },
      { cacheKeyFn: scoreKey },
    ),

    trajectory: (task, metric, from, to) =>
      memo(trajectoryLoaders, JSON.stringify([task, metric, from, to]), () =>
        new DataLoader(async (modelIds: readonly string[]) => {
          const rows = await trajectories(wh, modelIds, task, metric, { from, to });
          return modelIds.map((id) => rows.filter((r) => r.modelId === id));
        }),
      ),

    evalSource: new DataLoader(async (shas: readonly string[]) => {
      const byId = new Map((await evalSourcesBySha(wh, shas)).map((r) => [r.sha256, r]));
      return shas.map((sha) => byId.get(sha) ?? null);
    }),

    checkpointEvalSources: new DataLoader(async (keys: readonly string[]) => {
      const rows = await evalSourcesOfCheckpoints(wh, keys.map(checkpointOfKey));
      return keys.map((k) => rows.filter((r) => checkpointKey(r) === k));
    }),

    evalDuplicateOf: new DataLoader(async (keys: readonly string[]) => {
      const byKey = new Map((await evalDuplicateOf(wh, keys.map(checkpointOfKey))).map((r) => [checkpointKey(r), r.duplicateOf]));
      return keys.map((k) => byKey.get(k) ?? null);
    }),
  };
}

export function checkpointKey(c: CheckpointRef): string {
  return `${c.modelId}\u0000${c.step}`;
}

function checkpointOfKey(key: string): CheckpointRef {
  const cut = key.lastIndexOf('\u0000');
  return { modelId: key.slice(0, cut), step: Number(key.slice(cut + 1)) };
}

function memo<V>(cache: Map<string, V>, key: string, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) cache.set(key, (value = make()));
  return value;
}

function scoreKey(k: ScoreKey): string {
  return `${k.modelId}\u0000${k.step}\u0000${k.task}\u0000${k.metric}`;
}
