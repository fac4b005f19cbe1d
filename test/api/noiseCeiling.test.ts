import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticFmri, type SyntheticFmri } from '../../bench/syntheticFmri.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

const CEILING = 'available reason estimator repeats nVoxels nWithCeiling mean median';

describe('noise ceilings: stored at import, ceiled brain scores, unavailable without repeats', () => {
  let t: TestServer;
  let synth: SyntheticFmri;
  const tmp = tempDir();
  beforeAll(async () => {
    t = await startTestServer({ withPythia: false, importRoots: [tmp.dir] });
    // the test run is shown twice, with noise: voxels 1…3V/4 carry signal, the last quarter is noise, voxel 0 is constant
    synth = writeSyntheticFmri(join(tmp.dir, 'synth'), { noise: 1 });
    // the same dataset with its test run shown once
    const manifest = JSON.parse(readFileSync(synth.manifest, 'utf8'));
    manifest.dataset.id = 'synth-once';
    for (const s of manifest.subjects) for (const [run, files] of Object.entries(s.responses)) if (Array.isArray(files)) s.responses[run] = files[0];
    writeFileSync(join(synth.dir, 'once.json'), JSON.stringify(manifest));
    await t.gql(`mutation { registerModel(input: { id: "tiny", tokensPerStep: 1000, finalStep: 100 }) { id } }`);
    for (const m of [synth.manifest, join(synth.dir, 'once.json')]) expect((await t.gql(`mutation($m: String!) { importFmri(manifest: $m) { dataset } }`, { m })).body.errors).toBeUndefined();
    for (const dataset of ['synth', 'synth-once']) {
      for (const [layer, path] of synth.featureFiles) {
        await t.gql(`mutation($i: ImportFeaturesInput!) { importFeatures(input: $i) { nWords } }`, { i: { model: 'tiny', step: 100, layer, dataset, path } });
      }
      const c = await t.gql(`mutation($d: ID!) { computeEncoding(input: { model: "tiny", step: 100, dataset: $d }) { cells } }`, { d: dataset });
      expect(c.body.errors).toBeUndefined();
    }
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  const voxels = async (dataset: string) =>
    (await t.gql(`{ voxelScores(model: "tiny", step: 100, layer: 1, dataset: "${dataset}", subject: "S01", first: 100) { nodes { voxel roi r noiseCeiling ceiledR } } }`)).body.data.voxelScores.nodes as
      { voxel: number; roi: string; r: number | null; noiseCeiling: number | null; ceiledR: number | null }[];

  it('stores a ceiling per voxel: high where the repeats share signal, none for the constant voxel', async () => {
    const nodes = await voxels('synth');
    expect(nodes).toHaveLength(synth.nVoxels);
    expect(nodes[0].noiseCeiling).toBeNull();
    const q = (synth.nVoxels * 3) / 4;
    const mean = (xs: (number | null)[]) => xs.reduce<number>((s, v) => s + (v ?? 0), 0) / xs.length;
    expect(mean(nodes.slice(1, q).map((n) => n.noiseCeiling))).toBeGreaterThan(0.8);
    expect(mean(nodes.slice(q).map((n) => n.noiseCeiling))).toBeLessThan(0.5);
    for (const n of nodes) {
      if (n.noiseCeiling === null || n.r === null) expect(n.ceiledR).toBeNull();
      else expect(n.ceiledR).toBeCloseTo(n.r / n.noiseCeiling, 5);
    }
  });

  it('reports the ceiling of an ROI, and CEILED_MEAN_R = MEAN_R / the ROI’s mean ceiling', async () => {
    const { body } = await t.gql(`{ dataset(id: "synth") { all: noiseCeiling { ${CEILING} } ac: noiseCeiling(roi: "AC", subject: "S01") { ${CEILING} } } }`);
    expect(body.errors).toBeUndefined();
    const nodes = await voxels('synth');
    for (const [key, roi] of [['all', null], ['ac', 'AC']] as const) {
      const sel = nodes.filter((n) => roi === null || n.roi === roi);
      const withCeiling = sel.filter((n) => n.noiseCeiling !== null).map((n) => n.noiseCeiling!).sort((a, b) => a - b);
      const c = body.data.dataset[key];
      expect(c).toMatchObject({ available: true, reason: null, repeats: 2, nVoxels: sel.length, nWithCeiling: withCeiling.length });
      expect(c.estimator).toMatch(/Schoppe/);
      expect(c.mean).toBeCloseTo(withCeiling.reduce((s, v) => s + v, 0) / sel.length, 6);
      const m = withCeiling.length;
      expect(c.median).toBeCloseTo(m % 2 ? withCeiling[(m - 1) / 2] : (withCeiling[m / 2 - 1] + withCeiling[m / 2]) / 2, 6);

      const scores = await t.gql(`{ model(id: "tiny") { checkpoints(first: 1) { nodes {
        raw: brainScore(dataset: "synth", layer: 1, roi: "${roi ?? 'all'}") { value }
        ceiled: brainScore(dataset: "synth", layer: 1, roi: "${roi ?? 'all'}", statistic: CEILED_MEAN_R) { value status reason } } } } }`);
      const cell = scores.body.data.model.checkpoints.nodes[0];
      expect(cell.ceiled.status).toBe('READY');
      expect(cell.ceiled.value).toBeCloseTo(cell.raw.value / c.mean, 5);
    }
  });

  it('says why there is no ceiling for a dataset whose test run was shown once', async () => {
    const { body } = await t.gql(`{ dataset(id: "synth-once") { noiseCeiling { ${CEILING} } } }`);
    expect(body.data.dataset.noiseCeiling).toMatchObject({ available: false, repeats: null, nWithCeiling: 0, mean: null, median: null });
    expect(body.data.dataset.noiseCeiling.reason).toMatch(/^no test run of this dataset was presented more than once/);
    const scores = await t.gql(`{ model(id: "tiny") { checkpoints(first: 1) { nodes { brainScore(dataset: "synth-once", layer: 1, statistic: CEILED_MEAN_R) { value status reason } } } } }`);
    expect(scores.body.data.model.checkpoints.nodes[0].brainScore).toEqual({ value: null, status: 'READY', reason: 'no noise ceiling for this ROI (see Dataset.noiseCeiling for why)' });
    expect((await voxels('synth-once')).every((n) => n.noiseCeiling === null && n.ceiledR === null)).toBe(true);
  });
});
