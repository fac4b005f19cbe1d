import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNormal, createRng } from '../../compute/random.js';
import { computeEncoding } from '../../services/encoding.js';
import { importFeaturesNpy, importFmri } from '../../services/importFmri.js';
import { npyToFloat32, readNpy, writeNpy } from '../../formats/npy.js';
import { registerModel } from '../../services/registry.js';
import type { Warehouse } from '../../warehouse/Warehouse.js';
import { writeSyntheticFmri } from '../../bench/syntheticFmri.js';

export const BRAIN_STEPS = [10, 30, 100] as const;
export const BRAIN_LAYERS = [0, 1, 2, 3, 4, 5] as const;

/**
 * Gives a warehouse brain scores (written directly, as startTestServer imports the Pythia evals,
 * so this does not depend on who may call mutations): the synthetic dataset
 * "synth" (test/helpers/syntheticFmri.ts) and a model "tiny" whose layer features blend the
 * dataset's true features with noise, more so in middle layers and later steps, so the heatmap has
 * structure. Returns the number of (layer, step) cells computed.
 */
export async function addSyntheticBrainScores(wh: Warehouse, dir: string): Promise<number> {
  const synth = writeSyntheticFmri(join(dir, 'synth'), { noise: 0.5 });
  const truth = npyToFloat32(readNpy(readFileSync(synth.featureFiles.get(1)!)));
  const dim = truth.length / synth.nWords;
  const normal = createNormal(createRng(7));
  const noise = Float32Array.from(truth, () => normal());
  await registerModel(wh, { modelId: 'tiny', tokensPerStep: 1000, finalStep: 100, nLayers: BRAIN_LAYERS.length });
  await importFmri(wh, synth.manifest);
  let cells = 0;
  for (const step of BRAIN_STEPS) {
    for (const layer of BRAIN_LAYERS) {
      const w = (step / 100) * Math.exp(-((layer - 3) ** 2) / 4);
      const path = join(dir, `tiny_${step}_${layer}.npy`);
      writeFileSync(path, writeNpy(Float32Array.from(truth, (v, i) => w * v + (1 - w) * noise[i]), [synth.nWords, dim]));
      await importFeaturesNpy(wh, { modelId: 'tiny', step, layer, datasetId: 'synth', path });
    }
    cells += (await computeEncoding(wh, { modelId: 'tiny', step, datasetId: 'synth' })).cells;
  }
  return cells;
}
