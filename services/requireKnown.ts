import { INTERNAL_METRICS } from '../compute/internal/internalCells.js';
import { WHOLE_BRAIN } from '../compute/encoding/roiSummaries.js';
import { badInput, CortexError, notFoundAmong } from '../errors/CortexError.js';
import { checkpointSteps, computableSteps, datasetCatalog, datasetIds, modelIds, modelLayers, taskMetrics, type DatasetCatalog, type TaskMetrics } from '../warehouse/discoveryRepo.js';
import { modelsByIds, type ModelRow } from '../warehouse/modelsRepo.js';
import { groupMembers, TASK_GROUPS, taskGroup } from '../warehouse/taskGroups.js';
import type { Warehouse } from '../warehouse/Warehouse.js';

/**
 * Checks of the names a request gives against what the warehouse holds, before anything is read
 * or computed: an unknown model, checkpoint, dataset, subject, ROI, layer, task or metric is
 * NOT_FOUND naming the closest known ones ("did you mean 'STS'?") — never an empty answer, and
 * never a job that cannot produce a cell.
 *
 * Names match exactly, as stored: ROI labels are case-sensitive ('STS' is not 'sts'); a name
 * that differs only in case is the first suggestion.
 */

export async function requireModel(wh: Warehouse, id: string): Promise<ModelRow> {
  const [row] = await modelsByIds(wh, [id]);
  if (row) return row;
  throw notFoundAmong('model', id, await modelIds(wh), { listedBy: '`models`' });
}

/** Every model of `ids`, in order; the first unknown one is NOT_FOUND (with `unknown` listing them all). */
export async function requireModels(wh: Warehouse, ids: readonly string[]): Promise<ModelRow[]> {
  const rows = new Map((await modelsByIds(wh, ids)).map((m) => [m.modelId, m]));
  const unknown = ids.filter((id) => !rows.has(id));
  if (unknown.length) throw notFoundAmong('model', unknown[0], await modelIds(wh), { listedBy: '`models`', extra: { unknown: unknown.slice(0, 50) } });
  return ids.map((id) => rows.get(id)!);
}

export async function requireCheckpoint(wh: Warehouse, modelId: string, step: number): Promise<void> {
  const steps = await checkpointSteps(wh, modelId);
  if (!steps.includes(step)) throw notFoundAmong('checkpoint', step, steps.map(String), { scope: `of model '${modelId}'`, listedBy: '`Model.checkpoints`' });
}

export async function requireDataset(wh: Warehouse, id: string): Promise<DatasetCatalog> {
  const catalog = await datasetCatalog(wh, id);
  if (catalog) return catalog;
  throw notFoundAmong('dataset', id, await datasetIds(wh), { listedBy: '`datasets`' });
}

export function requireSubject(catalog: DatasetCatalog, subject: string): void {
  if (!catalog.subjects.includes(subject)) throw notFoundAmong('subject', subject, catalog.subjects, { scope: `of dataset '${catalog.id}'`, listedBy: '`Dataset.subjects`' });
}

/** An ROI label of the dataset (exact, case-sensitive), or "all" for the whole brain. */
export function requireRoi(catalog: DatasetCatalog, roi: string): void {
  if (roi === WHOLE_BRAIN || catalog.rois.some((r) => r.name === roi)) return;
  throw notFoundAmong('ROI', roi, [WHOLE_BRAIN, ...catalog.rois.map((r) => r.name)], { scope: `of dataset '${catalog.id}'`, listedBy: '`Dataset.rois`' });
}

/**
 * A layer of the model (Model.layers). A model that knows none yet (no block count, nothing
 * extracted) but has ONNX checkpoints to extract from accepts any layer: its layers are known
 * once features exist.
 */
export async function requireLayer(wh: Warehouse, modelId: string, datasetId: string, layer: number): Promise<void> {
  if (!Number.isInteger(layer) || layer < 0) throw badInput(`layer must be a whole number ≥ 0 (got ${layer})`, { argument: 'layer' });
  const layers = await modelLayers(wh, modelId);
  if (layers.includes(layer)) return;
  if (layers.length === 0 && (await computableSteps(wh, modelId, datasetId)).length > 0) return;
  throw notFoundAmong('layer', layer, layers.map(String), { scope: `of model '${modelId}'`, listedBy: '`Model.layers`' });
}

export function requireInternalMetric(metric: string): void {
  if (!(INTERNAL_METRICS as readonly string[]).includes(metric)) throw notFoundAmong('internal metric', metric, INTERNAL_METRICS);
}

/** The arguments that pick a brain-score cell, checked together; returns the dataset. */
export async function requireBrainCell(
  wh: Warehouse,
  cell: { readonly modelId: string; readonly datasetId: string; readonly roi: string; readonly subjectId: string | null; readonly layer: number | null },
): Promise<DatasetCatalog> {
  const catalog = await requireDataset(wh, cell.datasetId);
  if (cell.subjectId !== null) requireSubject(catalog, cell.subjectId);
  requireRoi(catalog, cell.roi);
  if (cell.layer !== null) await requireLayer(wh, cell.modelId, cell.datasetId, cell.layer);
  return catalog;
}

/** The arguments that pick an internal-metric cell. */
export async function requireInternalCell(wh: Warehouse, cell: { readonly modelId: string; readonly datasetId: string; readonly metric: string; readonly layer: number | null }): Promise<void> {
  requireInternalMetric(cell.metric);
  await requireDataset(wh, cell.datasetId);
  if (cell.layer !== null) await requireLayer(wh, cell.modelId, cell.datasetId, cell.layer);
}

/**
 * A stored task or a task group, and (when given) a metric recorded for it — for a group, for
 * any of its members. Unknown ones are NOT_FOUND with the closest names.
 */
export async function requireTask(wh: Warehouse, task: string, metric?: string, stored: Promise<TaskMetrics[]> = taskMetrics(wh)): Promise<void> {
  const tasks = await stored;
  const group = taskGroup(task);
  const members = group ? groupMembers(group, tasks.map((t) => t.name)) : tasks.some((t) => t.name === task) ? [task] : null;
  if (!members) throw notFoundAmong('task', task, [...tasks.map((t) => t.name), ...TASK_GROUPS.map((g) => g.name)], { listedBy: '`tasks` / `Model.tasks`' });
  if (group && members.length === 0) {
    throw new CortexError('NOT_FOUND', `task group '${task}' has no stored member tasks (patterns ${group.patterns.join(', ')})`, { what: 'task', id: task, didYouMean: [], known: [] });
  }
  if (metric === undefined) return;
  const metrics = [...new Set(tasks.filter((t) => members.includes(t.name)).flatMap((t) => t.metrics))].sort();
  if (!metrics.includes(metric)) throw notFoundAmong('metric', metric, metrics, { scope: `of task '${task}'` });
}

/**
 * The checks above, each distinct one run once per request: a field repeated on every node of a
 * page (Checkpoint.taskScore, Checkpoint.brainScore) checks its arguments once, not per node.
 */
export class KnownChecks {
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(private readonly wh: Warehouse) {}

  task(task: string, metric?: string): Promise<void> {
    // One read of the stored tasks serves every task checked in the request.
    return this.once(['task', task, metric], () => requireTask(this.wh, task, metric, this.once(['tasks'], () => taskMetrics(this.wh))));
  }

  brainCell(cell: Parameters<typeof requireBrainCell>[1]): Promise<DatasetCatalog> {
    return this.once(['brain', cell.modelId, cell.datasetId, cell.roi, cell.subjectId, cell.layer], () => requireBrainCell(this.wh, cell));
  }

  internalCell(cell: Parameters<typeof requireInternalCell>[1]): Promise<void> {
    return this.once(['internal', cell.modelId, cell.datasetId, cell.metric, cell.layer], () => requireInternalCell(this.wh, cell));
  }

  private once<T>(key: readonly unknown[], run: () => Promise<T>): Promise<T> {
    const k = JSON.stringify(key);
    let pending = this.memo.get(k) as Promise<T> | undefined;
    if (!pending) this.memo.set(k, (pending = run()));
    return pending;
  }
}
