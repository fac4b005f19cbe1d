import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CortexError } from '../../errors/CortexError.js';
import { npyToFloat32, readNpy, writeNpy } from '../../formats/npy.js';
import { importFmri } from '../../services/importFmri.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { writeSyntheticFmri, type SyntheticFmri } from '../../bench/syntheticFmri.js';
import { tempDir } from '../helpers/tmp.js';

describe('brain encoding end to end: import fMRI and features, compute, query', () => {
  let t: TestServer;
  let synth: SyntheticFmri;
  const tmp = tempDir();
  beforeAll(async () => {
    t = await startTestServer({ withPythia: false, importRoots: [tmp.dir] });
    synth = writeSyntheticFmri(join(tmp.dir, 'synth'), { noise: 0 });
    await t.gql(`mutation { registerModel(input: { id: "tiny", tokensPerStep: 1000, finalStep: 100 }) { id } }`);
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  it('imports the dataset, then features of two layers at two steps', async () => {
    const imp = await t.gql(`mutation($m: String!) { importFmri(manifest: $m) { dataset runs subjects voxels words replacedScores } }`, { m: synth.manifest });
    expect(imp.body.data.importFmri).toEqual({ dataset: 'synth', runs: 4, subjects: 1, voxels: synth.nVoxels, words: synth.nWords, replacedScores: 0 });
    for (const step of [10, 100]) {
      for (const [layer, path] of synth.featureFiles) {
        const f = await t.gql(`mutation($i: ImportFeaturesInput!) { importFeatures(input: $i) { nWords dim } }`, { i: { model: 'tiny', step, layer, dataset: 'synth', path } });
        expect(f.body.data.importFeatures).toEqual({ nWords: synth.nWords, dim: 6 });
      }
    }
    const ds = await t.gql(`{ datasets { id trSeconds subjects runs { id split nTrs nWords } } }`);
    expect(ds.body.data.datasets[0].runs).toEqual([
      { id: 'train-1', split: 'train', nTrs: 60, nWords: 236 },
      { id: 'train-2', split: 'train', nTrs: 60, nWords: 236 },
      { id: 'train-3', split: 'train', nTrs: 60, nWords: 236 },
      { id: 'test-1', split: 'test', nTrs: 50, nWords: 196 },
    ]);
  });

  it('recovers noise-free linear voxels (r ≈ 1), scores noise voxels near 0, and gives the constant voxel a null r', async () => {
    const c = await t.gql(`mutation { computeEncoding(input: { model: "tiny", step: 100, dataset: "synth" }) { cells paramsHash device runId } }`);
    expect(c.body.errors).toBeUndefined();
    expect(c.body.data.computeEncoding.cells).toBe(2);
    const v = await t.gql(`{ voxelScores(model: "tiny", step: 100, layer: 1, dataset: "synth", subject: "S01", first: 100) { totalCount nodes { voxel roi r alpha } } }`);
    const nodes = v.body.data.voxelScores.nodes;
    expect(v.body.data.voxelScores.totalCount).toBe(synth.nVoxels);
    expect(nodes[0]).toMatchObject({ voxel: 0, roi: 'AC', r: null });
    const signal = nodes.slice(1, (synth.nVoxels * 3) / 4);
    const noise = nodes.slice((synth.nVoxels * 3) / 4);
    for (const n of signal) expect(n.r).toBeGreaterThan(0.97);
    for (const n of noise) expect(Math.abs(n.r)).toBeLessThan(0.45);
    const run = await t.wh.all<{ kind: string; device: string }>('SELECT kind, device FROM runs WHERE run_id = ?', [c.body.data.computeEncoding.runId]);
    expect(run).toEqual([{ kind: 'encoding', device: c.body.data.computeEncoding.device }]);
  });

  it('pages a cell by cursor with ROI and minimum-r filters: pages join up to the filtered set that totalCount counts', async () => {
    const q = `query($after: String) { voxelScores(model: "tiny", step: 100, layer: 1, dataset: "synth", subject: "S01", first: 3, after: $after, roi: "AC", minR: 0.5) {
      totalCount pageInfo { hasNextPage endCursor } nodes { voxel roi r } } }`;
    const all = (await t.gql(`{ voxelScores(model: "tiny", step: 100, layer: 1, dataset: "synth", subject: "S01", first: 500) { nodes { voxel roi r } } }`)).body.data.voxelScores.nodes;
    const expected = all.filter((n: { roi: string; r: number | null }) => n.roi === 'AC' && n.r !== null && n.r >= 0.5);
    expect(expected.length).toBeGreaterThan(3);
    const seen: unknown[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { totalCount: number; nodes: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string } } = (await t.gql(q, { after })).body.data.voxelScores;
      expect(page.totalCount).toBe(expected.length);
      seen.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    const missing = await t.gql(`{ voxelScores(model: "tiny", step: 999, layer: 1, dataset: "synth", subject: "S01", first: 5) { totalCount nodes { voxel } } }`);
    // An unknown checkpoint is NOT_FOUND naming the known ones (never an empty page that looks like an answer).
    expect(missing.body.data.voxelScores).toBeNull();
    expect(missing.body.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', what: 'checkpoint', id: 999 });
  });

  it('summarises per ROI and whole brain, with the best layer, layer profile and trajectory', async () => {
    await t.gql(`mutation { computeEncoding(input: { model: "tiny", step: 10, dataset: "synth", layers: [1] }) { cells } }`);
    const q = await t.gql(`{ model(id: "tiny") {
      checkpoints(first: 5) { nodes { step
        best: brainScore(dataset: "synth") { value status layer nSubjects nVoxels nSignificant reason }
        l0: brainScore(dataset: "synth", layer: 0, roi: "PC") { value status layer }
        layerProfile(dataset: "synth") { layer value } } }
      brainTrajectory(dataset: "synth") { step tokens value layer } } }`);
    expect(q.body.errors).toBeUndefined();
    const [c10, c100] = q.body.data.model.checkpoints.nodes;
    expect(c100.best).toMatchObject({ status: 'READY', layer: 1, nSubjects: 1, nVoxels: synth.nVoxels, reason: null });
    expect(c100.best.nSignificant).toBeGreaterThanOrEqual(29);
    expect(c100.l0.status).toBe('READY');
    expect(c100.l0.value).toBeLessThan(0.3);
    expect(c100.layerProfile.map((l: { layer: number }) => l.layer)).toEqual([0, 1]);
    expect(c10.layerProfile.map((l: { layer: number }) => l.layer)).toEqual([1]);
    // Whole-brain mean over voxels with a defined r, from the voxel scores themselves.
    const v = await t.gql(`{ voxelScores(model: "tiny", step: 100, layer: 1, dataset: "synth", subject: "S01", first: 100) { nodes { r } } }`);
    const rs = v.body.data.voxelScores.nodes.map((n: { r: number | null }) => n.r).filter((r: number | null) => r !== null);
    expect(c100.best.value).toBeCloseTo(rs.reduce((s: number, r: number) => s + r, 0) / rs.length, 6);
    expect(q.body.data.model.brainTrajectory).toEqual([
      { step: 10, tokens: 10_000, value: c10.best.value, layer: 1 },
      { step: 100, tokens: 100_000, value: c100.best.value, layer: 1 },
    ]);
  });

  it('compares models on a brain signal with compareModels', async () => {
    const q = await t.gql(`{ compareModels(models: ["tiny"], signal: { kind: BRAIN, dataset: "synth", roi: "AC" }, alignBy: TOKENS) {
      task metric series { modelId points { x step value } best { step } } } }`);
    expect(q.body.errors).toBeUndefined();
    const c = q.body.data.compareModels;
    expect(c.task).toBe('brain:synth/AC/best');
    expect(c.metric).toBe('mean_r');
    expect(c.series[0].points.map((p: { x: number }) => p.x)).toEqual([10_000, 100_000]);
    expect(c.series[0].points[1].value).toBeGreaterThan(0.99);
    const both = await t.gql(`{ compareModels(models: ["tiny"], task: "piqa", signal: { kind: BRAIN, dataset: "synth" }) { task } }`);
    expect(both.body.errors?.[0]).toMatchObject({ message: 'give either task or signal', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('replaces a cell recomputed with the same parameters and keeps cells of other parameters', async () => {
    const count = () => t.wh.all<{ n: number; hashes: number }>("SELECT count(*) AS n, count(DISTINCT params_hash) AS hashes FROM brain_scores JOIN cells USING (cell_id) WHERE step = 100 AND layer = 1");
    const before = await count();
    await t.gql(`mutation { computeEncoding(input: { model: "tiny", step: 100, dataset: "synth", layers: [1] }) { cells } }`);
    expect(await count()).toEqual(before);
    const other = await t.gql(`mutation { computeEncoding(input: { model: "tiny", step: 100, dataset: "synth", layers: [1], params: { folds: 3, delays: [1, 2] } }) { paramsHash } }`);
    expect(await count()).toEqual([{ n: before[0].n * 2, hashes: 2 }]);
    const q = await t.gql(`query($h: String) { model(id: "tiny") { checkpoints(first: 1, stepRange: { from: 100 }) { nodes { brainScore(dataset: "synth", layer: 1, paramsHash: $h) { status value } } } } }`, { h: other.body.data.computeEncoding.paramsHash });
    expect(q.body.data.model.checkpoints.nodes[0].brainScore.status).toBe('READY');
  });

  it('computes internal metrics and serves their trajectory', async () => {
    for (const step of [10, 100]) {
      const r = await t.gql(`mutation { computeInternal(model: "tiny", step: ${step}, dataset: "synth") { cells } }`);
      expect(r.body.data.computeInternal.cells).toBe(14); // 2 layers × 7 metrics
    }
    const q = await t.gql(`{ model(id: "tiny") { er: internalTrajectory(metric: "effectiveRank", layer: 1, dataset: "synth") { step value referenceStep }
      cka: internalTrajectory(metric: "linearCKA", layer: 1, dataset: "synth") { step value referenceStep }
      final: internalTrajectory(metric: "linearCKAToFinal", layer: 1, dataset: "synth") { step value referenceStep } } }`);
    const { er, cka, final } = q.body.data.model;
    expect(er.map((p: { step: number }) => p.step)).toEqual([10, 100]);
    expect(er[0].value).toBeGreaterThan(4);
    expect(er[0].value).toBeLessThanOrEqual(6);
    expect(er.map((p: { referenceStep: number | null }) => p.referenceStep)).toEqual([null, null]);
    // Same features at both steps: CKA to the previous checkpoint is 1 and says which; the first has no previous.
    expect(cka).toEqual([{ step: 10, value: null, referenceStep: null }, { step: 100, value: expect.closeTo(1, 5), referenceStep: 10 }]);
    // TwoNN says what it used: rows, collapses, points, and its estimate at N, N/2, N/4.
    const two = await t.gql(`{ model(id: "tiny") { internalTrajectory(metric: "twoNN", layer: 1, dataset: "synth") { step value
      twoNN { method rows points kept duplicates nearTwins twinTolerance twinDistance medianNeighbourDistance scale { points subsets mean sd } } } } }`);
    const [first] = two.body.data.model.internalTrajectory;
    expect(first.twoNN).toMatchObject({ method: 'regression', rows: synth.nWords, twinTolerance: 0.2 });
    expect(first.twoNN.points + first.twoNN.duplicates + first.twoNN.nearTwins).toBe(synth.nWords);
    expect(first.twoNN.twinDistance).toBeCloseTo(0.2 * first.twoNN.medianNeighbourDistance, 12);
    expect(first.twoNN.scale.map((s: { subsets: number }) => s.subsets)).toEqual([1, 2, 4]);
    expect(first.twoNN.scale[0]).toEqual({ points: first.twoNN.points, subsets: 1, mean: first.value, sd: null });
    // Every point says what was computed and how; the params are what the stored cells' hash covers.
    const defs = await t.gql(`{ internalMetricDefinitions { name centring estimator reference citation params paramsHash }
      model(id: "tiny") { internalTrajectory(metric: "effectiveRank", layer: 1, dataset: "synth") { definition { name centring params paramsHash } } } }`);
    const all = defs.body.data.internalMetricDefinitions;
    expect(all.map((d: { name: string }) => d.name)).toEqual(['twoNN', 'effectiveRank', 'participationRatio', 'anisotropy', 'meanNorm', 'linearCKA', 'linearCKAToFinal']);
    expect(all.find((d: { name: string }) => d.name === 'effectiveRank').centring).toMatch(/^Column-centred .*unlike Roy & Vetterli/);
    expect(all.find((d: { name: string }) => d.name === 'linearCKA').reference).toMatch(/previous checkpoint/);
    expect(all.every((d: { paramsHash: string | null }) => d.paramsHash === null)).toBe(true);
    const [point] = defs.body.data.model.internalTrajectory;
    const stored = await t.wh.all<{ h: string }>(`SELECT DISTINCT params_hash AS h FROM internal_metrics WHERE model_id = 'tiny'`, [], { cache: false });
    expect(point.definition.paramsHash).toBe(stored[0].h);
    expect(JSON.parse(point.definition.params)).toEqual({
      kind: 'internal', datasetId: 'synth', ckaReferences: ['previous', 'final'],
      twoNN: { discardFraction: 0.1, method: 'regression', twinTolerance: 0.2, scaleSubsets: [2, 4], seed: 1 },
    });
    // The fixed reference is the model's last checkpoint, itself included.
    expect(final).toEqual([{ step: 10, value: expect.closeTo(1, 5), referenceStep: 100 }, { step: 100, value: expect.closeTo(1, 5), referenceStep: 100 }]);
  });

  it('serves an internal value whose input changed as STALE, never READY, with the input named', async () => {
    const traj = async (metric: string) =>
      (await t.gql(`{ model(id: "tiny") { internalTrajectory(metric: "${metric}", layer: 1, dataset: "synth", policy: NEVER) { step status value reason referenceStep } } }`)).body.data.model.internalTrajectory;
    // Replace step 100's layer-1 features with other content.
    const path = synth.featureFiles.get(1)!;
    const original = readNpy(readFileSync(path));
    const changed = join(tmp.dir, 'layer1-changed.npy');
    writeFileSync(changed, writeNpy(npyToFloat32(original).map((v, i) => v * (1 + (i % 7))), original.shape));
    const imp = await t.gql(`mutation($i: ImportFeaturesInput!) { importFeatures(input: $i) { nWords } }`, { i: { model: 'tiny', step: 100, layer: 1, dataset: 'synth', path: changed } });
    expect(imp.body.errors).toBeUndefined();
    const replaced = 'an input changed since it was computed: the features of step 100 layer 1 were replaced or removed';
    expect(await traj('effectiveRank')).toEqual([
      { step: 10, status: 'READY', value: expect.any(Number), reason: null, referenceStep: null },
      { step: 100, status: 'STALE', value: null, reason: replaced, referenceStep: null },
    ]);
    // Step 10 compared with step 100 (the final checkpoint) for linearCKAToFinal, not for linearCKA.
    expect((await traj('linearCKAToFinal')).map((p: { status: string; reason: string | null }) => [p.status, p.reason])).toEqual([['STALE', replaced], ['STALE', replaced]]);
    expect((await traj('linearCKA')).map((p: { status: string }) => p.status)).toEqual(['READY', 'STALE']);
    // Recomputing makes it READY again.
    await t.gql(`mutation { computeInternal(model: "tiny", step: 100, dataset: "synth") { cells } }`);
    expect((await traj('effectiveRank')).map((p: { status: string }) => p.status)).toEqual(['READY', 'READY']);

    // A checkpoint with features inserted between 10 and 100: step 100's CKA to "the previous" now means step 50.
    for (const [layer, file] of synth.featureFiles) {
      await t.gql(`mutation($i: ImportFeaturesInput!) { importFeatures(input: $i) { nWords } }`, { i: { model: 'tiny', step: 50, layer, dataset: 'synth', path: file } });
    }
    const cka = await traj('linearCKA');
    expect(cka.filter((p: { step: number }) => p.step !== 50)).toEqual([
      { step: 10, status: 'READY', value: null, reason: null, referenceStep: null },
      { step: 100, status: 'STALE', value: null, reason: 'its reference changed: the previous checkpoint with features is now step 50 (it compared with 10)', referenceStep: 10 },
    ]);
    expect((await traj('effectiveRank')).find((p: { step: number }) => p.step === 100).status).toBe('READY');
    // Under IF_MISSING a stale cell goes the way of a missing one (this server computes nothing on demand, so: MISSING, saying both).
    const asked = await t.gql(`{ model(id: "tiny") { internalTrajectory(metric: "linearCKA", layer: 1, dataset: "synth") { step status value reason } } }`);
    expect(asked.body.data.model.internalTrajectory.find((p: { step: number }) => p.step === 100)).toEqual({
      step: 100, status: 'MISSING', value: null,
      reason: 'not computed, and this server computes nothing on demand (was stale: its reference changed: the previous checkpoint with features is now step 50 (it compared with 10))',
    });
    const runInputs = await t.wh.all<{ roles: string }>(`SELECT string_agg(DISTINCT role, ',' ORDER BY role) AS roles FROM run_inputs`, [], { cache: false });
    expect(runInputs).toEqual([{ roles: 'features,final,fmri,previous,states' }]); // encoding runs: features and fMRI; internal: states and CKA references
  });

  it('rejects broken datasets with every problem listed, and writes nothing', async () => {
    const dir = join(tmp.dir, 'broken');
    const bad = writeSyntheticFmri(dir, { noise: 0.1 });
    const manifest = JSON.parse(readFileSync(bad.manifest, 'utf8'));
    manifest.dataset.id = 'broken';
    manifest.subjects[0].rois = { V1: 'S01/roi_V1.npy' };
    writeFileSync(join(dir, 'S01/train-2_0.npy'), writeNpy(new Float32Array(59 * bad.nVoxels), [59, bad.nVoxels]));
    const nan = new Float32Array(60 * bad.nVoxels);
    nan[3 * bad.nVoxels + 7] = NaN;
    writeFileSync(join(dir, 'S01/train-3_0.npy'), writeNpy(nan, [60, bad.nVoxels]));
    const transcript = JSON.parse(readFileSync(join(dir, 'stimuli/test-1.json'), 'utf8'));
    transcript.words.push({ word: 'late', onset: 200, offset: 200.4 });
    writeFileSync(join(dir, 'stimuli/test-1.json'), JSON.stringify(transcript));
    writeFileSync(bad.manifest, JSON.stringify(manifest));

    const error = await importFmri(t.wh, bad.manifest).then(() => null, (e: unknown) => (e as CortexError<'IMPORT_FAILED'>).toJSON());
    expect(error!.code).toBe('IMPORT_FAILED');
    expect(error!.details.problems).toEqual([
      { where: 'stimuli/test-1.json: words.196', message: "transcript runs to 200.4 s but run 'test-1' has 50 TRs × 2 s = 100 s" },
      { where: 'S01/train-2_0.npy', message: "has 59 TRs but run 'train-2' has 60" },
      { where: 'S01/train-3_0.npy', message: '1 NaN/Inf values (first at TR 3, voxel 7)' },
      { where: 'S01/roi_V1.npy', message: 'file not found' },
    ]);
    expect(await t.wh.all("SELECT count(*) AS n FROM datasets WHERE dataset_id = 'broken'")).toEqual([{ n: 0 }]);
  });

  it('reports unknown ids with NOT_FOUND', async () => {
    const r = await t.gql(`mutation { computeEncoding(input: { model: "tiny", step: 5, dataset: "synth" }) { cells } }`);
    expect(r.body.errors?.[0]).toMatchObject({ message: "features 'tiny@5 on synth' does not exist", extensions: { code: 'NOT_FOUND' } });
    const d = await t.gql(`mutation { computeEncoding(input: { model: "tiny", step: 100, dataset: "nope" }) { cells } }`);
    expect(d.body.errors?.[0].extensions.code).toBe('NOT_FOUND');
  });
});
