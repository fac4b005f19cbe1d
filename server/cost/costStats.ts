import { warehouseStats, type WarehouseStats } from '../../warehouse/statsRepo.js';

/** No rows anywhere: priced with these, a request's cost is a lower bound of its real cost. */
export const EMPTY_STATS: WarehouseStats = {
  checkpointsByModel: new Map(), maxCheckpoints: 0, taskRowsByModel: new Map(), taskRowsByTask: new Map(), taskRows: 0, maxLayers: 0, models: 0,
};
import { unscoped } from '../../warehouse/statementScope.js';
import type { Warehouse } from '../../warehouse/Warehouse.js';

/** The table sizes the cost model prices with, read once per data version (any committed write refreshes them). */
export class CostStats {
  private version = -1;
  private current: Promise<WarehouseStats> | null = null;
  private ready: WarehouseStats | null = null;

  constructor(private readonly wh: Warehouse) {}

  /** The stats of the current data version if they are loaded already (no statement issued). */
  fresh(): WarehouseStats | null {
    return this.version === this.wh.dataVersion ? this.ready : null;
  }

  get(): Promise<WarehouseStats> {
    if (this.current === null || this.version !== this.wh.dataVersion) {
      this.version = this.wh.dataVersion;
      this.ready = null;
      // Shared by every request of this data version: its reads belong to none of them, so one
      // request's cancellation cannot fail the others waiting on it (warehouse/statementScope.ts).
      const loading = unscoped(() => warehouseStats(this.wh));
      this.current = loading;
      loading.then(
        (stats) => {
          if (this.current === loading) this.ready = stats;
        },
        () => {
          if (this.current === loading) this.current = null;
        },
      );
    }
    return this.current;
  }
}
