import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { demoStudyDir, fillDemoWarehouse, type DemoProgress, type DemoReport } from '../services/demo.js';
import { Warehouse } from '../warehouse/Warehouse.js';
import { SHIPPED_DATA } from '../services/paths.js';

/**
 * Builds the demo warehouse (services/demo.ts) under a temporary name and renames it when
 * complete, so an interrupted first start never leaves a half-built demo behind.
 */
export async function buildDemoWarehouse(path: string, options: { scale?: number; onProgress?: DemoProgress } = {}): Promise<DemoReport> {
  const building = `${path}.building`;
  rmSync(building, { force: true });
  rmSync(`${building}.wal`, { force: true });
  const wh = await Warehouse.create({ path: building });
  let report: DemoReport;
  try {
    report = await fillDemoWarehouse(wh, {
      pythiaEvals: join(SHIPPED_DATA, 'pythia-evals'),
      studyDir: demoStudyDir(path),
      // 0.5: 16 checkpoints, 2 subjects × 600 voxels — about 2.5 minutes on 2 cores.
      scale: options.scale ?? Number(process.env.CORTEXQL_DEMO_SCALE ?? 0.5),
      onProgress: options.onProgress,
    });
    await wh.checkpoint();
  } finally {
    wh.close();
  }
  rmSync(path, { force: true });
  renameSync(building, path);
  return report;
}

/** Builds the demo on first run; later runs reuse it. Returns whether it was built now. */
export async function ensureDemoWarehouse(path: string, onProgress?: DemoProgress): Promise<boolean> {
  if (existsSync(path)) return false;
  await buildDemoWarehouse(path, { onProgress });
  return true;
}
