import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { importEvalsFromPath, type ImportReport } from '../warehouse/importEvals.js';
import { Warehouse } from '../warehouse/Warehouse.js';
import { SHIPPED_DATA } from './paths.js';

export interface DemoProgress {
  (stage: string, done: number, total: number): void;
}

/**
 * Builds the demo warehouse from data shipped in the repository: the real Pythia
 * lm-evaluation-harness results. Built under a temporary name and renamed when complete, so
 * an interrupted first start never leaves a half-built demo behind.
 */
export async function buildDemoWarehouse(path: string, onProgress?: DemoProgress): Promise<ImportReport> {
  const building = `${path}.building`;
  rmSync(building, { force: true });
  rmSync(`${building}.wal`, { force: true });
  const wh = await Warehouse.create({ path: building });
  let report: ImportReport;
  try {
    report = await importEvalsFromPath(wh, join(SHIPPED_DATA, 'pythia-evals'), {
      onProgress: (done, total) => onProgress?.('Pythia evals', done, total),
    });
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
  await buildDemoWarehouse(path, onProgress);
  return true;
}
