import { join } from 'node:path';
import type { TestServer } from './server.js';
import { writeSyntheticFmri } from '../../bench/syntheticFmri.js';

/** Model "tiny" with features at step 100 on synthetic dataset "synth", encoded and with internal metrics, through the API. */
export async function addTinyBrain(t: TestServer, dir: string): Promise<void> {
  const synth = writeSyntheticFmri(join(dir, 'synth'));
  await t.gql(`mutation { registerModel(input: { id: "tiny", tokensPerStep: 1000, finalStep: 100 }) { id } }`);
  await t.gql(`mutation($m: String!) { importFmri(manifest: $m) { dataset } }`, { m: synth.manifest });
  for (const [layer, path] of synth.featureFiles) {
    await t.gql(`mutation($i: ImportFeaturesInput!) { importFeatures(input: $i) { dim } }`, { i: { model: 'tiny', step: 100, layer, dataset: 'synth', path } });
  }
  await t.gql(`mutation { computeEncoding(input: { model: "tiny", step: 100, dataset: "synth" }) { cells } }`);
  await t.gql(`mutation { computeInternal(model: "tiny", step: 100, dataset: "synth") { cells } }`);
}
