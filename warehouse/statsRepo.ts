import type { Warehouse } from './Warehouse.js';

/** Table sizes the API's cost model prices requests with (server/cost/costModel.ts). */
export interface WarehouseStats {
  readonly checkpointsByModel: ReadonlyMap<string, number>;
  readonly maxCheckpoints: number;
  readonly taskRowsByModel: ReadonlyMap<string, number>;
  readonly taskRowsByTask: ReadonlyMap<string, number>;
  readonly taskRows: number;
  readonly maxLayers: number;
  readonly models: number;
}

/** Four small GROUP BY reads; the caller caches the result per data version. */
export async function warehouseStats(wh: Warehouse): Promise<WarehouseStats> {
  const [checkpoints, byModel, byTask, layers] = await Promise.all([
    wh.all<{ id: string; n: number }>('SELECT model_id AS id, count(*)::INTEGER AS n FROM checkpoints GROUP BY model_id'),
    wh.all<{ id: string; n: number }>('SELECT model_id AS id, count(*)::INTEGER AS n FROM task_scores GROUP BY model_id'),
    wh.all<{ id: string; n: number }>('SELECT task AS id, count(*)::INTEGER AS n FROM task_scores GROUP BY task'),
    wh.all<{ layers: number | null; models: number }>(
      `SELECT greatest(coalesce(max(m.n_layers), 0), coalesce((SELECT max(layer) + 1 FROM cells), 0))::INTEGER AS layers,
              count(*)::INTEGER AS models FROM models m`,
    ),
  ]);
  const toMap = (rows: { id: string; n: number }[]) => new Map(rows.map((r) => [r.id, r.n]));
  return {
    checkpointsByModel: toMap(checkpoints),
    maxCheckpoints: Math.max(0, ...checkpoints.map((r) => r.n)),
    taskRowsByModel: toMap(byModel),
    taskRowsByTask: toMap(byTask),
    taskRows: byModel.reduce((s, r) => s + r.n, 0),
    maxLayers: layers[0]?.layers ?? 0,
    models: layers[0]?.models ?? 0,
  };
}
