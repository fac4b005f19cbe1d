import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyntheticFmri } from '../../bench/syntheticFmri.js';
import { npyToFloat32, readNpy, writeNpy } from '../../formats/npy.js';
import { importFmri } from '../../services/importFmri.js';
import { readWordFeatures, writeWordFeatures } from '../../warehouse/fmriRepo.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSyntheticStudy } from '../helpers/syntheticStudy.js';
import { tempDir } from '../helpers/tmp.js';

type Point = { step: number; status: string; value: number | null; reason: string | null; layer: number | null };

/** Brain-score cells know the features and fMRI data they were computed from: a changed input makes them STALE, never READY. */
describe('stale brain scores', () => {
  let t: TestServer;
  let synth: SyntheticFmri;
  const tmp = tempDir();
  beforeAll(async () => {
    t = await startTestServer({ withPythia: false, scheduler: true });
    synth = await addSyntheticStudy(t.wh, tmp.dir, { steps: [100, 200], signal: (step) => step / 200 });
    const c = await t.gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny"], dataset: "synth" }) { jobs { id } } }`);
    for (const { id } of c.body.data.computeCells.jobs) expect((await t.scheduler!.wait(id, 120_000)).status).toBe('SUCCEEDED');
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  const trajectory = async (policy: string, layer = 'null'): Promise<Point[]> =>
    (await t.gql(`{ model(id: "tiny") { brainTrajectory(dataset: "synth", layer: ${layer}, policy: ${policy}, waitSeconds: 60) { step status value reason layer } } }`)).body.data.model.brainTrajectory;
  const profile = async (step: number) =>
    (await t.gql(`{ model(id: "tiny") { checkpoints(first: 1, stepRange: { from: ${step}, to: ${step} }) { nodes { layerProfile(dataset: "synth", policy: NEVER) { layer status value reason } } } } }`))
      .body.data.model.checkpoints.nodes[0].layerProfile;
  const voxels = async (step: number, layer: number) =>
    (await t.gql(`{ voxelScores(model: "tiny", step: ${step}, layer: ${layer}, dataset: "synth", subject: "S01", first: 2) { status reason nodes { voxel r } } }`)).body.data.voxelScores;
  const stored = async () => (await t.wh.all<{ n: number }>('SELECT count(*)::INTEGER AS n FROM cells', [], { cache: false }))[0].n;

  /** Features of (step, layer) with one direction stretched: another matrix, another hash. */
  const replaceFeatures = async (step: number, layer: number) => {
    const f = (await readWordFeatures(t.wh, 'tiny', step, layer, 'synth'))!;
    await t.wh.write((tx) => writeWordFeatures(tx, { ...f, matrix: f.matrix.map((v, i) => (i % f.dim === 0 ? v * 10 : v)) }));
  };

  it('a cell whose features were replaced is STALE (value null, the input named) on every read path; the others stay READY', async () => {
    const before = await trajectory('NEVER', '1');
    expect(before.map((p) => p.status)).toEqual(['READY', 'READY']);
    await replaceFeatures(200, 1);
    const reason = 'an input changed since it was computed: the features of step 200 layer 1 were replaced or removed';
    expect(await trajectory('NEVER', '1')).toEqual([before[0], { step: 200, status: 'STALE', value: null, reason, layer: 1 }]);
    // The best layer of step 200 cannot be known while one layer is stale.
    expect((await trajectory('NEVER')).map((p) => [p.step, p.status, p.reason])).toEqual([[100, 'READY', null], [200, 'STALE', `layer 1: ${reason}`]]);
    expect(await profile(200)).toEqual([
      { layer: 0, status: 'READY', value: expect.any(Number), reason: null },
      { layer: 1, status: 'STALE', value: null, reason },
    ]);
    expect(await voxels(200, 1)).toMatchObject({ status: 'STALE', reason });
    expect(await voxels(200, 0)).toMatchObject({ status: 'READY', reason: null });
    // A comparison's signal leaves the stale point out and reports it as a gap.
    const cmp = await t.gql(`{ compareModels(models: ["tiny"], signal: { kind: BRAIN, dataset: "synth", layer: 1 }, policy: NEVER) { series { points { step } gaps { step status reason } } } }`);
    expect(cmp.body.data.compareModels.series[0]).toEqual({ points: [{ step: 100 }], gaps: [{ step: 200, status: 'STALE', reason }] });
  });

  it('computeCells(stale: true) recomputes exactly the stale checkpoints; then they are READY with new values', async () => {
    const before = await trajectory('NEVER', '1');
    const c = await t.gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny"], dataset: "synth", stale: true }) { jobs { id step } skipped { step status } } }`);
    expect(c.body.data.computeCells).toMatchObject({ jobs: [{ step: 200 }], skipped: [{ step: 100, status: 'READY' }] });
    expect((await t.scheduler!.wait(c.body.data.computeCells.jobs[0].id, 120_000)).status).toBe('SUCCEEDED');
    const after = await trajectory('NEVER', '1');
    expect(after.map((p) => p.status)).toEqual(['READY', 'READY']);
    expect(after[0]).toEqual(before[0]);
    expect(after[1].value).toEqual(expect.any(Number));
    const again = await t.gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny"], dataset: "synth", stale: true }) { jobs { id } } }`);
    expect(again.body.data.computeCells.jobs).toEqual([]);
  });

  it('re-importing the same fMRI data keeps every cell READY and the features (nothing to recompute)', async () => {
    const cells = await stored();
    const before = await trajectory('NEVER', '1');
    const report = await importFmri(t.wh, synth.manifest);
    expect(report.replacedScores).toBe(0);
    expect(await stored()).toBe(cells);
    expect(await trajectory('NEVER', '1')).toEqual(before);
  });

  it('re-importing other responses for a subject makes its cells STALE; WAIT recomputes them', async () => {
    const before = await trajectory('NEVER', '1');
    const file = join(synth.dir, 'S01', 'train-1_0.npy');
    const y = npyToFloat32(readNpy(readFileSync(file)));
    writeFileSync(file, writeNpy(y.map((v, i) => (i % 7 === 0 ? -v : v)), [y.length / synth.nVoxels, synth.nVoxels]));
    const report = await importFmri(t.wh, synth.manifest);
    expect(report.replacedScores).toBeGreaterThan(0);
    const reason = 'an input changed since it was computed: the fMRI data of subject S01 was re-imported with other content, or removed';
    expect(await trajectory('NEVER', '1')).toEqual([
      { step: 100, status: 'STALE', value: null, reason, layer: 1 },
      { step: 200, status: 'STALE', value: null, reason, layer: 1 },
    ]);
    const after = await trajectory('WAIT', '1');
    expect(after.map((p) => p.status)).toEqual(['READY', 'READY']);
    expect(after[0].value).not.toBeCloseTo(before[0].value!, 4);
  });

  it('computeCells(stale: true) finds stale internal values too', async () => {
    const run = async (extra: string) => {
      const c = await t.gql(`mutation { computeCells(request: { kind: INTERNAL, models: ["tiny"], dataset: "synth"${extra} }) { jobs { id step } } }`);
      for (const { id } of c.body.data.computeCells.jobs) expect((await t.scheduler!.wait(id, 120_000)).status).toBe('SUCCEEDED');
      return c.body.data.computeCells.jobs.map((j: { step: number }) => j.step);
    };
    expect(await run('')).toEqual([100, 200]);
    await replaceFeatures(100, 0);
    // Step 100's own states changed; step 200's linearCKA compared with them too.
    expect(await run(', stale: true')).toEqual([100, 200]);
    expect(await run(', stale: true')).toEqual([]);
  });
});
