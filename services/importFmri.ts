import { importFailed, notFound, type Problem } from '../errors/CortexError.js';
import { readFmriDataset, type ParsedFmriDataset } from '../formats/fmriManifest.js';
import { npyToFloat32, readNpy } from '../formats/npy.js';
import { Checks } from '../formats/validation.js';
import { writeFmriDataset, writeWordFeatures, type FmriImportReport } from '../warehouse/fmriRepo.js';
import { ensureCheckpoints, modelsByIds } from '../warehouse/modelsRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { FileAccess } from './fileAccess.js';

/**
 * Imports an fMRI dataset from its manifest: everything validated first, then one transaction.
 * The manifest and every file it names go through `files` (for the API: inside the import roots,
 * or one upload); problems name the files as the manifest does.
 */
export async function importFmri(wh: Warehouse, manifestPath: string, files: FileAccess = FileAccess.local()): Promise<FmriImportReport> {
  files.resolve(manifestPath, 'file');
  const problems: Problem[] = [];
  const dataset = await readFmriDataset(manifestPath, problems, files);
  if (dataset) checkDataset(dataset, problems);
  if (!dataset || problems.length) throw importFailed(problems);
  return wh.write((tx) => writeFmriDataset(tx, dataset));
}

/** What the warehouse needs of a parsed dataset beyond the manifest's own rules: voxels to store. */
function checkDataset(d: ParsedFmriDataset, problems: Problem[]): void {
  for (const s of d.subjects) {
    if (s.nVoxels < 1) problems.push({ where: `subject ${s.id}`, message: 'has no voxels (an empty mask, or response matrices with 0 columns)' });
  }
}

export interface FeatureImport {
  readonly modelId: string;
  readonly step: number;
  readonly layer: number;
  readonly datasetId: string;
  /** An .npy file: n_words × dim, the dataset's words of all runs in run order. */
  readonly path: string;
}

/**
 * Imports per-word features of one (model, step, layer) from NPY, registering the checkpoint if
 * new; one transaction. Refused with every problem at once: a step, layer or id outside the
 * rules (formats/validation.ts), a file that is not a 2-D NPY with at least one row and column,
 * a row count other than the dataset's words, NaN/Inf values.
 */
export async function importFeaturesNpy(wh: Warehouse, f: FeatureImport, files: FileAccess = FileAccess.local()): Promise<{ nWords: number; dim: number }> {
  const checks = new Checks();
  checks.id('model', f.modelId);
  checks.step('step', f.step);
  checks.layer('layer', f.layer);
  checks.id('dataset', f.datasetId);
  if (!checks.ok) throw importFailed(checks.problems);
  const bytes = files.read(f.path, 'array');
  const [model] = await modelsByIds(wh, [f.modelId]);
  if (!model) throw notFound('model', f.modelId);
  let npy;
  try {
    npy = readNpy(bytes);
  } catch (error) {
    throw importFailed([{ where: f.path, message: (error as Error).message }]);
  }
  if (npy.shape.length !== 2) throw importFailed([{ where: f.path, message: `expected a 2-D array (n_words × dim), got shape (${npy.shape.join(', ')})` }]);
  const [nWords, dim] = npy.shape as [number, number];
  if (nWords < 1 || dim < 1) throw importFailed([{ where: f.path, message: `expected at least one word and one feature, got shape (${nWords}, ${dim})` }]);
  const features = { modelId: f.modelId, step: f.step, layer: f.layer, datasetId: f.datasetId, matrix: npyToFloat32(npy), nWords, dim, source: f.path };
  await wh.write(async (tx) => {
    await writeWordFeatures(tx, features);
    await ensureCheckpoints(tx, f.modelId, [f.step]);
  });
  return { nWords, dim };
}
