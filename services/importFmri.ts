import { readFileSync, existsSync } from 'node:fs';
import { badInput, importFailed, notFound, type Problem } from '../errors/CortexError.js';
import { readFmriDataset } from '../formats/fmriManifest.js';
import { npyToFloat32, readNpy } from '../formats/npy.js';
import { writeFmriDataset, writeWordFeatures, type FmriImportReport } from '../warehouse/fmriRepo.js';
import { ensureCheckpoints, modelsByIds } from '../warehouse/modelsRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';

/** Imports an fMRI dataset from its manifest: everything validated first, then one transaction. */
export async function importFmri(wh: Warehouse, manifestPath: string): Promise<FmriImportReport> {
  const problems: Problem[] = [];
  const dataset = await readFmriDataset(manifestPath, problems);
  if (!dataset) throw importFailed(problems);
  return wh.write((tx) => writeFmriDataset(tx, dataset));
}

export interface FeatureImport {
  readonly modelId: string;
  readonly step: number;
  readonly layer: number;
  readonly datasetId: string;
  /** An .npy file: n_words × dim, the dataset's words of all runs in run order. */
  readonly path: string;
}

/** Imports per-word features of one (model, step, layer) from NPY, registering the checkpoint if new; one transaction. */
export async function importFeaturesNpy(wh: Warehouse, f: FeatureImport): Promise<{ nWords: number; dim: number }> {
  if (!existsSync(f.path)) throw notFound('file', f.path);
  if (!Number.isInteger(f.layer) || f.layer < 0) throw badInput(`layer must be a whole number >= 0 (got ${f.layer})`);
  const [model] = await modelsByIds(wh, [f.modelId]);
  if (!model) throw notFound('model', f.modelId);
  let npy;
  try {
    npy = readNpy(readFileSync(f.path));
  } catch (error) {
    throw importFailed([{ where: f.path, message: (error as Error).message }]);
  }
  if (npy.shape.length !== 2) throw importFailed([{ where: f.path, message: `expected a 2-D array (n_words × dim), got shape (${npy.shape.join(', ')})` }]);
  const [nWords, dim] = npy.shape as [number, number];
  const features = { modelId: f.modelId, step: f.step, layer: f.layer, datasetId: f.datasetId, matrix: npyToFloat32(npy), nWords, dim, source: f.path };
  await wh.write(async (tx) => {
    await writeWordFeatures(tx, features);
    await ensureCheckpoints(tx, f.modelId, [f.step]);
  });
  return { nWords, dim };
}
