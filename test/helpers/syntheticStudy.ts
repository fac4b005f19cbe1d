import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSyntheticFmri, type SyntheticFmri } from '../../bench/syntheticFmri.js';
import { createNormal, createRng } from '../../compute/random.js';
import { npyToFloat32, readNpy, writeNpy } from '../../formats/npy.js';
import { importFeaturesNpy, importFmri } from '../../services/importFmri.js';
import { registerModel } from '../../services/registry.js';
import type { Warehouse } from '../../warehouse/Warehouse.js';

export interface StudyOptions {
  /** Checkpoints with features of every layer (nothing is computed). */
  readonly steps: readonly number[];
  readonly voxels?: number;
  readonly dim?: number;
  /** Noise SD of the responses (bench/syntheticFmri.ts's default otherwise). */
  readonly noise?: number;
  readonly nLayers?: number;
  /**
   * How much of the true features a step's layer-1 features keep (the rest is fixed noise), so
   * brain scores vary over training; default: all of them at every step.
   */
  readonly signal?: (step: number) => number;
  /** Models with these features [tiny]. */
  readonly models?: readonly string[];
}

/**
 * A model "tiny" (or `models`) and the synthetic fMRI dataset "synth" (bench/syntheticFmri.ts: subject S01,
 * ROIs AC and PC) with features of layers 0 and 1 at `steps`, written through the services (no
 * API role needed): every cell is missing, and computable.
 */
export async function addSyntheticStudy(wh: Warehouse, dir: string, options: StudyOptions): Promise<SyntheticFmri> {
  const synth = writeSyntheticFmri(join(dir, 'synth'), { voxels: options.voxels ?? 60, ...(options.dim ? { dim: options.dim } : {}), ...(options.noise !== undefined ? { noise: options.noise } : {}) });
  const models = options.models ?? ['tiny'];
  for (const modelId of models) {
    await registerModel(wh, { modelId, tokensPerStep: 1000, finalStep: Math.max(...options.steps), ...(options.nLayers ? { nLayers: options.nLayers } : {}) });
  }
  await importFmri(wh, synth.manifest);
  const truth = options.signal ? npyToFloat32(readNpy(readFileSync(synth.featureFiles.get(1)!))) : null;
  const normal = createNormal(createRng(3));
  const noise = truth && Float32Array.from(truth, () => normal());
  for (const step of options.steps) {
    for (const [layer, file] of synth.featureFiles) {
      let path = file;
      if (truth && noise && layer === 1) {
        const w = options.signal!(step);
        path = join(dir, `tiny_${step}_${layer}.npy`);
        writeFileSync(path, writeNpy(Float32Array.from(truth, (v, i) => w * v + (1 - w) * noise[i]), [synth.nWords, truth.length / synth.nWords]));
      }
      for (const modelId of models) await importFeaturesNpy(wh, { modelId, step, layer, datasetId: 'synth', path });
    }
  }
  return synth;
}
