import { join } from 'node:path';
import { readWordFeatures, writeWordFeatures } from '../../warehouse/fmriRepo.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodingJob } from '../../services/jobs/jobSpec.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { writeSyntheticFmri } from '../../bench/syntheticFmri.js';
import { addSyntheticStudy } from '../helpers/syntheticStudy.js';
import { tempDir } from '../helpers/tmp.js';

const SCORE = (policy: string, step = 100) =>
  `{ model(id: "tiny") { checkpoints(first: 1, stepRange: { from: ${step}, to: ${step} }) { nodes { step
     brainScore(dataset: "synth", policy: ${policy}, waitSeconds: 60) { value status jobId reason layer } } } } }`;

const count = async (t: TestServer, table: string) => (await t.wh.all<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${table}`, [], { cache: false }))[0].n;

describe('lazy computation of missing cells', () => {
  let t: TestServer;
  const tmp = tempDir();
  beforeAll(async () => {
    t = await startTestServer({ withPythia: false, scheduler: true });
    await addSyntheticStudy(t.wh, tmp.dir, { steps: [100, 200, 300] });
    // A checkpoint with neither features nor an ONNX file: its cells can never be computed.
    await t.gql(`mutation { registerCheckpoints(model: "tiny", checkpoints: [{ step: 400 }]) }`);
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  const score = async (policy: string, step = 100) => (await t.gql(SCORE(policy, step))).body.data.model.checkpoints.nodes[0].brainScore;

  it('NEVER reports a missing cell as MISSING and starts nothing', async () => {
    expect(await score('NEVER')).toEqual({ value: null, status: 'MISSING', jobId: null, reason: 'not computed (policy NEVER starts no computation)', layer: null });
    expect(await count(t, 'jobs')).toBe(0);
  });

  it('IF_MISSING answers PENDING with a job id at once; re-sending never starts a second computation; the cell is then READY', async () => {
    const first = await score('IF_MISSING');
    expect(first).toMatchObject({ value: null, status: 'PENDING', jobId: expect.stringMatching(/^job_/) });
    const again = await score('IF_MISSING');
    expect(again.jobId).toBe(first.jobId);
    const done = await t.scheduler!.wait(first.jobId, 60_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(await score('IF_MISSING')).toMatchObject({ status: 'READY', layer: 1, jobId: null });
    expect(await count(t, 'runs')).toBe(1);
    const job = await t.gql(`{ job(id: "${first.jobId}") { status kind modelId step dataset attempts progress { fraction cellsDone cellsTotal } device runId } }`);
    expect(job.body.data.job).toMatchObject({ status: 'SUCCEEDED', kind: 'ENCODING', modelId: 'tiny', step: 100, dataset: 'synth', attempts: 0, progress: { fraction: 1, cellsDone: 2, cellsTotal: 2 } });
  });

  it('never queues a job again whose cells are stored: not from a query, not from the scheduler, only by an explicit recompute', async () => {
    const started = t.scheduler!.started;
    for (const policy of ['NEVER', 'IF_MISSING', 'WAIT']) expect(await score(policy)).toMatchObject({ status: 'READY' });
    const spec = encodingJob('tiny', 100, 'synth');
    // A query that read the cell before the job's results committed asks the scheduler for it: refused, the job stays as it is.
    expect(await t.scheduler!.submit(spec, { priority: 10 })).toMatchObject({ status: 'SUCCEEDED' });
    expect(t.scheduler!.started).toBe(started);
    expect(await count(t, 'runs')).toBe(1);
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

  it('a stale internal cell (its features replaced) is STALE under NEVER, and recomputed under WAIT', async () => {
    const traj = async (policy: string) =>
      (await t.gql(`{ model(id: "tiny") { internalTrajectory(metric: "effectiveRank", layer: 1, dataset: "synth", policy: ${policy}) { step status value reason } } }`)).body.data.model.internalTrajectory;
    const before = await traj('NEVER');
    const f = (await readWordFeatures(t.wh, 'tiny', 200, 1, 'synth'))!;
    const matrix = f.matrix.map((v, i) => (i % f.dim === 0 ? v * 10 : v)); // one direction stretched: another spectrum
    await t.wh.write((tx) => writeWordFeatures(tx, { ...f, matrix }));
    expect((await traj('NEVER'))[1]).toEqual({
      step: 200, status: 'STALE', value: null, reason: 'an input changed since it was computed: the features of step 200 layer 1 were replaced or removed',
    });
    const after = await traj('WAIT');
    expect(after.map((p: { status: string }) => p.status)).toEqual(['READY', 'READY', 'READY']);
    expect(after[0].value).toBe(before[0].value);
    expect(after[1].value).not.toBeCloseTo(before[1].value, 3);
  });

  it('cells that cannot be computed are NEVER, not zero, and start nothing', async () => {
    const jobs = await count(t, 'jobs');
    expect(await score('IF_MISSING', 400)).toEqual({ value: null, status: 'NEVER', jobId: null, layer: null, reason: "no features of tiny@400 for dataset 'synth' and no ONNX checkpoint to compute them from" });
    expect(await count(t, 'jobs')).toBe(jobs);
  });

  it('a typo in any argument is NOT_FOUND naming what exists, and starts nothing', async () => {
    const before = { jobs: await count(t, 'jobs'), runs: await count(t, 'runs'), started: t.scheduler!.started };
    const probe = async (args: string, field = 'brainScore') => {
      const q = field === 'brainScore'
        ? `{ model(id: "tiny") { checkpoints(first: 5) { nodes { brainScore(${args}) { status } } } } }`
        : `{ model(id: "tiny") { ${field}(${args}) { step status } } }`;
      const { body } = await t.gql(q);
      expect(body.data).toEqual({ model: null });
      return body.errors![0];
    };
    expect(await probe('dataset: "synt"')).toMatchObject({
      message: "dataset 'synt' does not exist; did you mean 'synth'?", extensions: { code: 'NOT_FOUND', what: 'dataset', id: 'synt', didYouMean: ['synth'], known: ['synth'] },
    });
    expect(await probe('dataset: "synth", roi: "ac"')).toMatchObject({
      message: "ROI 'ac' of dataset 'synth' does not exist; did you mean 'AC'?", extensions: { code: 'NOT_FOUND', didYouMean: ['AC'], known: ['all', 'AC', 'PC'] },
    });
    expect(await probe('dataset: "synth", subject: "S1"')).toMatchObject({ message: "subject 'S1' of dataset 'synth' does not exist; did you mean 'S01'?" });
    expect(await probe('dataset: "synth", layer: 9', 'brainTrajectory')).toMatchObject({ message: "layer 9 of model 'tiny' does not exist; known: 0, 1", extensions: { id: 9, known: [0, 1] } });
    expect(await probe('dataset: "nope"', 'brainTrajectory')).toMatchObject({ extensions: { code: 'NOT_FOUND', what: 'dataset', known: ['synth'] } });
    expect(await probe('metric: "effectiveRnak", layer: 1, dataset: "synth"', 'internalTrajectory')).toMatchObject({ message: "internal metric 'effectiveRnak' does not exist; did you mean 'effectiveRank'?" });
    const model = await t.gql(`{ model(id: "tny") { id } }`);
    expect(model.body.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND', didYouMean: ['tiny'] } });
    expect({ jobs: await count(t, 'jobs'), runs: await count(t, 'runs'), started: t.scheduler!.started }).toEqual(before);
  });

  it('computeCells on computed cells does nothing and says so; recompute: true computes them again', async () => {
    const started = t.scheduler!.started;
    const nothing = await t.gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny"], dataset: "synth" }) { jobs { id } skipped { step status reason } summary } }`);
    expect(nothing.body.data.computeCells).toEqual({
      jobs: [],
      skipped: [100, 200, 300].map((step) => ({ step, status: 'READY', reason: 'stored already (recompute: true computes it again)' })),
      summary: "nothing queued: 3 checkpoint(s) READY already (recompute: true computes them again) (3 checkpoint(s) of model 'tiny' and dataset 'synth')",
    });
    expect(t.scheduler!.started).toBe(started);
    const runs = await count(t, 'runs');
    const again = await t.gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny"], dataset: "synth", steps: [100], recompute: true }) { jobs { id status } skipped { step } summary } }`);
    // The in-process scheduler may have started it already: queued or running, never READY or skipped.
    expect(again.body.data.computeCells).toMatchObject({ jobs: [{ status: expect.stringMatching(/^(QUEUED|RUNNING)$/) }], skipped: [] });
    await t.scheduler!.wait(again.body.data.computeCells.jobs[0].id, 60_000);
    expect(t.scheduler!.started).toBe(started + 1);
    expect(await count(t, 'runs')).toBe(runs + 1);
  });

  it('computeCells checks its arguments first and reports checkpoints with nothing to compute from', async () => {
    const jobs = await count(t, 'jobs');
    const typo = await t.gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny", "tinny"], dataset: "synth" }) { summary } }`);
    expect(typo.body.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND', what: 'model', id: 'tinny', didYouMean: ['tiny'], unknown: ['tinny'] } });
    const step = await t.gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny"], dataset: "synth", steps: [150] }) { summary } }`);
    expect(step.body.errors?.[0]).toMatchObject({ message: "checkpoint 150 of model 'tiny' does not exist; known: 100, 200, 300, 400", extensions: { code: 'NOT_FOUND', known: [100, 200, 300, 400], unknown: [150] } });
    const never = await t.gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny"], dataset: "synth", steps: [400] }) { jobs { id } skipped { step status reason } summary } }`);
    expect(never.body.data.computeCells).toMatchObject({ jobs: [], skipped: [{ step: 400, status: 'NEVER' }], summary: expect.stringMatching(/^nothing queued: 1 with nothing to compute from \(NEVER\)/) });
    expect(await count(t, 'jobs')).toBe(jobs);
  });

  it('computeCells queues missing cells with other parameters, jobs() lists them, cancelJob cancels a queued job', async () => {
    const c = await t.gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny"], dataset: "synth", params: { folds: 3 } }) { jobs { id status step } summary } }`);
    expect(c.body.data.computeCells.jobs.map((j: { step: number }) => j.step)).toEqual([100, 200, 300]);
    expect(c.body.data.computeCells.summary).toBe("3 jobs queued or running (3 checkpoint(s) of model 'tiny' and dataset 'synth')");
    const last = c.body.data.computeCells.jobs[2];
    const cancelled = await t.gql(`mutation { cancelJob(id: "${last.id}") { status } }`);
    expect(['CANCELLED', 'SUCCEEDED']).toContain(cancelled.body.data.cancelJob.status);
    const list = await t.gql(`{ jobs(first: 50) { totalCount nodes { id status } } }`);
    expect(list.body.data.jobs.totalCount).toBeGreaterThanOrEqual(7);
  });
});

describe('failed jobs', () => {
  it('stay FAILED until a retry is asked for; a failure counts one attempt', async () => {
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
      expect((await t.gql(`{ job(id: "${failed.jobId}") { status attempts } }`)).body.data.job).toEqual({ status: 'FAILED', attempts: 1 });
      const startedBefore = t.scheduler!.started;
      expect((await t.gql(q)).body.data.model.checkpoints.nodes[0].brainScore.status).toBe('FAILED');
      expect(t.scheduler!.started).toBe(startedBefore);
      const skipped = await t.gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny"], dataset: "synth" }) { jobs { id } skipped { status jobId reason } summary } }`);
      expect(skipped.body.data.computeCells).toMatchObject({
        jobs: [], skipped: [{ status: 'FAILED', jobId: failed.jobId, reason: "subject 'synth/S01' does not exist (retryFailed: true tries again)" }],
      });
      const retry = await t.gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny"], dataset: "synth", retryFailed: true }) { jobs { id status } } }`);
      expect(retry.body.data.computeCells.jobs[0]).toMatchObject({ id: failed.jobId, status: expect.stringMatching(/^(QUEUED|RUNNING)$/) });
      await t.scheduler!.wait(failed.jobId, 30_000);
      expect(t.scheduler!.started).toBe(startedBefore + 1);
    } finally {
      await t.close();
      tmp.cleanup();
    }
  });
});
