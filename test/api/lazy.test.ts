import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { writeSyntheticFmri } from '../../bench/syntheticFmri.js';
import { tempDir } from '../helpers/tmp.js';

const SCORE = (policy: string, step = 100) =>
  `{ model(id: "tiny") { checkpoints(first: 1, stepRange: { from: ${step}, to: ${step} }) { nodes { step
     brainScore(dataset: "synth", policy: ${policy}, waitSeconds: 60) { value status jobId reason layer } } } } }`;

describe('lazy computation of missing cells', () => {
  let t: TestServer;
  const tmp = tempDir();
  beforeAll(async () => {
    t = await startTestServer({ withPythia: false, scheduler: true, importRoots: [tmp.dir] });
    const synth = writeSyntheticFmri(join(tmp.dir, 'synth'), { voxels: 60 });
    await t.gql(`mutation { registerModel(input: { id: "tiny", tokensPerStep: 1000, finalStep: 300 }) { id } }`);
    await t.gql(`mutation($m: String!) { importFmri(manifest: $m) { dataset } }`, { m: synth.manifest });
    for (const step of [100, 200, 300]) {
      for (const [layer, path] of synth.featureFiles) {
        await t.gql(`mutation($i: ImportFeaturesInput!) { importFeatures(input: $i) { dim } }`, { i: { model: 'tiny', step, layer, dataset: 'synth', path } });
      }
    }
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  const score = async (policy: string, step = 100) => (await t.gql(SCORE(policy, step))).body.data.model.checkpoints.nodes[0].brainScore;

  it('NEVER reports a missing cell as MISSING and starts nothing', async () => {
    expect(await score('NEVER')).toEqual({ value: null, status: 'MISSING', jobId: null, reason: 'not computed (policy NEVER starts no computation)', layer: null });
    expect(await t.wh.all('SELECT count(*) AS n FROM jobs', [], { cache: false })).toEqual([{ n: 0 }]);
  });

  it('IF_MISSING answers PENDING with a job id at once; re-sending never starts a second computation; the cell is then READY', async () => {
    const first = await score('IF_MISSING');
    expect(first).toMatchObject({ value: null, status: 'PENDING', jobId: expect.stringMatching(/^job_/) });
    const again = await score('IF_MISSING');
    expect(again.jobId).toBe(first.jobId);
    const done = await t.scheduler!.wait(first.jobId, 60_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(await score('IF_MISSING')).toMatchObject({ status: 'READY', layer: 1, jobId: null });
    expect(await t.wh.all('SELECT count(*) AS n FROM runs', [], { cache: false })).toEqual([{ n: 1 }]);
    const job = await t.gql(`{ job(id: "${first.jobId}") { status kind modelId step dataset progress { fraction cellsDone cellsTotal } device runId } }`);
    expect(job.body.data.job).toMatchObject({ status: 'SUCCEEDED', kind: 'ENCODING', modelId: 'tiny', step: 100, dataset: 'synth', progress: { fraction: 1, cellsDone: 2, cellsTotal: 2 } });
  });

  it('100 concurrent identical queries start exactly one computation', async () => {
    const before = t.scheduler!.started;
    const answers = await Promise.all(Array.from({ length: 100 }, () => score('IF_MISSING', 200)));
    const ids = new Set(answers.map((a) => a.jobId));
    expect(ids.size).toBe(1);
    expect(answers.every((a) => a.status === 'PENDING')).toBe(true);
    await t.scheduler!.wait([...ids][0]!, 60_000);
    expect(t.scheduler!.started - before).toBe(1);
    expect(await t.wh.all("SELECT count(*) AS n FROM jobs WHERE spec_json LIKE '%\"step\":200%'", [], { cache: false })).toEqual([{ n: 1 }]);
  });

  it('WAIT waits for the computation and answers READY', async () => {
    const r = await score('WAIT', 300);
    expect(r).toMatchObject({ status: 'READY', layer: 1 });
    expect(r.value).toBeGreaterThan(0.5);
  });

  it('trajectories show every computable checkpoint with its status, and internal metrics compute lazily too', async () => {
    const q = await t.gql(`{ model(id: "tiny") { brainTrajectory(dataset: "synth", policy: NEVER) { step status value }
      internalTrajectory(metric: "effectiveRank", layer: 1, dataset: "synth", policy: WAIT) { step status value } } }`);
    expect(q.body.data.model.brainTrajectory.map((p: { step: number; status: string }) => [p.step, p.status])).toEqual([[100, 'READY'], [200, 'READY'], [300, 'READY']]);
    expect(q.body.data.model.internalTrajectory.map((p: { status: string }) => p.status)).toEqual(['READY', 'READY', 'READY']);
  });

  it('cells that cannot be computed are NEVER, not zero', async () => {
    const q = await t.gql(`{ model(id: "tiny") { checkpoints(first: 5) { nodes { step brainScore(dataset: "other") { status value reason } } } } }`);
    expect(q.body.data.model.checkpoints.nodes[0].brainScore).toEqual({ status: 'NEVER', value: null, reason: "no features of tiny@100 for dataset 'other' and no ONNX checkpoint to compute them from" });
  });

  it('computeCells precomputes in bulk, jobs() lists them, cancelJob cancels a queued job', async () => {
    await t.wh.write((tx) => tx.run("DELETE FROM brain_score_summary WHERE step = 300"));
    await t.wh.write((tx) => tx.run("DELETE FROM brain_scores WHERE step = 300"));
    const c = await t.gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny"], dataset: "synth", params: { folds: 3 } }) { id status step } }`);
    expect(c.body.data.computeCells.map((j: { step: number }) => j.step)).toEqual([100, 200, 300]);
    const last = c.body.data.computeCells[2];
    const cancelled = await t.gql(`mutation { cancelJob(id: "${last.id}") { status } }`);
    expect(['CANCELLED', 'SUCCEEDED']).toContain(cancelled.body.data.cancelJob.status);
    const list = await t.gql(`{ jobs(first: 50) { totalCount nodes { id status } } }`);
    expect(list.body.data.jobs.totalCount).toBeGreaterThanOrEqual(7);
  });
});

describe('failed jobs', () => {
  it('stay FAILED until a retry is asked for', async () => {
    const tmp = tempDir();
    const t = await startTestServer({ withPythia: false, scheduler: true, importRoots: [tmp.dir] });
    try {
      const synth = writeSyntheticFmri(join(tmp.dir, 'synth'));
      await t.gql(`mutation { registerModel(input: { id: "tiny", tokensPerStep: 1000, finalStep: 100 }) { id } }`);
      await t.gql(`mutation($m: String!) { importFmri(manifest: $m) { dataset } }`, { m: synth.manifest });
      await t.gql(`mutation($i: ImportFeaturesInput!) { importFeatures(input: $i) { dim } }`, { i: { model: 'tiny', step: 100, layer: 1, dataset: 'synth', path: synth.featureFiles.get(1) } });
      // Responses gone: the job cannot load its inputs and fails.
      await t.wh.write((tx) => tx.run('DELETE FROM fmri_responses'));
      const q = `{ model(id: "tiny") { checkpoints(first: 1) { nodes { brainScore(dataset: "synth", policy: WAIT, waitSeconds: 30) { status reason jobId } } } } }`;
      const failed = (await t.gql(q)).body.data.model.checkpoints.nodes[0].brainScore;
      expect(failed).toMatchObject({ status: 'FAILED', reason: "subject 'synth/S01' does not exist" });
      const startedBefore = t.scheduler!.started;
      expect((await t.gql(q)).body.data.model.checkpoints.nodes[0].brainScore.status).toBe('FAILED');
      expect(t.scheduler!.started).toBe(startedBefore);
      const retry = await t.gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny"], dataset: "synth", retryFailed: true }) { id status } }`);
      expect(retry.body.data.computeCells[0]).toMatchObject({ id: failed.jobId, status: 'QUEUED' });
      await t.scheduler!.wait(failed.jobId, 30_000);
      expect(t.scheduler!.started).toBe(startedBefore + 1);
    } finally {
      await t.close();
      tmp.cleanup();
    }
  });
});
