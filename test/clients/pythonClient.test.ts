import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { readPythiaFiles } from '../helpers/pythiaFiles.js';
import { describeWith, pythonRequirement } from '../helpers/requirements.js';
import { installPythonClient, PYTHON_PACKAGE_DEPS, SYSTEM_PYTHON } from '../helpers/pythonVenv.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSyntheticStudy } from '../helpers/syntheticStudy.js';
import { tempDir } from '../helpers/tmp.js';

const EXAMPLES = join(PACKAGE_ROOT, 'clients', 'python', 'examples');
const run = promisify(execFile);
const hasMatplotlib = PYTHON_PACKAGE_DEPS.available && pythonRequirement(SYSTEM_PYTHON, 'matplotlib').available;

describeWith(PYTHON_PACKAGE_DEPS, 'the Python package (clients/python, installed offline into a venv) against a running server', () => {
  let t: TestServer;
  let PYTHON = '';
  const tmp = tempDir();
  beforeAll(async () => {
    PYTHON = installPythonClient(tmp.dir);
    t = await startTestServer();
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    tmp.cleanup();
  });

  it('plot_trajectory.py prints the trajectories, final values, correlation and phases the API holds', async () => {
    const png = join(tmp.dir, 'trajectory.png');
    rmSync(png, { force: true });
    const { stdout } = await run(PYTHON, [join(EXAMPLES, 'plot_trajectory.py'), '--url', t.server.endpoint,
      '--models', 'pythia-160m,pythia-410m', '--task', 'piqa', '--metric', 'acc', '--out', png], { env: { ...process.env, MPLBACKEND: 'Agg' } });

    // Ground truth straight from the shipped JSON files, not from the server.
    const files = readPythiaFiles().filter((f) => f.results.piqa);
    for (const model of ['pythia-160m', 'pythia-410m']) {
      const mine = files.filter((f) => f.modelId === model);
      expect(stdout).toContain(`rows ${model}: ${mine.length}\n`);
      const last = mine.find((f) => f.step === 143000)!.results.piqa;
      const line = new RegExp(`^final ${model} step=143000 value=(\\S+) stderr=(\\S+)$`, 'm').exec(stdout);
      expect(line, stdout).not.toBeNull();
      expect(Number(line![1])).toBe(last.acc); // repr() round-trips: exactly the file's double
      expect(Number(line![2])).toBe(last.acc_stderr);
    }
    expect(files.filter((f) => f.modelId === 'pythia-160m')).toHaveLength(27);

    const api = await t.gql(`{
      compareModels(models: ["pythia-160m", "pythia-410m"], task: "piqa", alignBy: TOKENS) { correlations { r n } }
      detectPhases(model: "pythia-160m", signals: [{ kind: TASK, task: "piqa", metric: "acc" }], options: { bootstrap: 200, seed: 0 }) {
        k segments { label startStep endStep } } }`);
    const { r, n } = api.body.data.compareModels.correlations[0];
    const corr = /^correlation pythia-160m pythia-410m r=(\S+) n=(\d+)$/m.exec(stdout);
    expect(Number(corr![1])).toBe(r);
    expect(Number(corr![2])).toBe(n);
    const { k, segments } = api.body.data.detectPhases;
    const labels = segments.map((s: { label: string; startStep: number; endStep: number }) => `${s.label}(${s.startStep}-${s.endStep})`).join(' ');
    expect(stdout).toContain(`phases pythia-160m: k=${k} ${labels}\n`);
    expect(stdout).toContain('brain: no fMRI datasets in this warehouse\n');

    if (hasMatplotlib) {
      expect(stdout).toContain(`plot: ${png}\n`);
      expect(readFileSync(png).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    } else {
      expect(stdout).toContain('plot: skipped (matplotlib is not installed)\n');
    }
  });

  it('the client returns typed DataFrames and raises CortexQLError with the error code', async () => {
    const script = `
import json, sys
import pandas as pd
import cortexql as cq
c = cq.Client(${JSON.stringify(t.server.endpoint)})
df = cq.trajectories("pythia-160m", "mmlu", client=c)
cmp = cq.compare(["pythia-160m", "pythia-70m"], "mmlu", align_by="step", grid_points=5, client=c)
ph = cq.phases("pythia-160m", "mmlu", client=c, k=1, bootstrap=0)
try:
    cq.trajectories(["pythia-160m", "no-such-model"], "piqa", client=c)
    codes = None
except cq.CortexQLError as e:
    codes = e.codes
    assert e.code == "NOT_FOUND" and e.extensions["what"] == "model", e.extensions
print(json.dumps({
    "columns": list(df.columns), "dtypes": {k: str(v) for k, v in df.dtypes.items()}, "rows": len(df),
    "final": df.value.iloc[-1], "nTasks": int(df.n_tasks.iloc[-1]),
    "summary": [{k: None if pd.isna(v) else v for k, v in r.items()} for r in cmp.summary.to_dict("records")], "gridRows": len(cmp.points),
    "k": ph.k["pythia-160m"], "breakpoints": ph.breakpoints.step.tolist(), "codes": codes,
}, default=lambda o: o.item()))  # numpy scalars → Python numbers, exactly
`;
    const { stdout } = await run(PYTHON, ['-c', script]);
    const out = JSON.parse(stdout);
    expect(out.columns).toEqual(['model', 'step', 'tokens', 'fraction', 'value', 'stderr', 'n_tasks']);
    expect(out.dtypes).toMatchObject({ step: 'int64', tokens: 'int64', value: 'float64', n_tasks: 'int64' });

    const api = await t.gql(`{
      model(id: "pythia-160m") { taskTrajectory(task: "mmlu") { value nTasks } }
      compareModels(models: ["pythia-160m", "pythia-70m"], task: "mmlu", alignBy: STEP, grid: { points: 5 }) {
        series { modelId points { x } best { x step value } final { x step value } } }
      detectPhases(model: "pythia-160m", signals: [{ kind: TASK, task: "mmlu" }], options: { k: 1, bootstrap: 0 }) { breakpoints { step } } }`);
    const traj = api.body.data.model.taskTrajectory;
    expect(out.rows).toBe(traj.length);
    expect(out.final).toBe(traj.at(-1).value);
    expect(out.nTasks).toBe(traj.at(-1).nTasks);
    expect(out.gridRows).toBe(10);
    expect(out.summary).toEqual(api.body.data.compareModels.series.map((s: any) => ({
      model: s.modelId, n_points: s.points.length,
      best_x: s.best.x, best_step: s.best.step, best_value: s.best.value,
      final_x: s.final.x, final_step: s.final.step, final_value: s.final.value,
    })));
    expect(out.k).toBe(1);
    expect(out.breakpoints).toEqual(api.body.data.detectPhases.breakpoints.map((b: { step: number }) => b.step));
    expect(out.codes).toEqual(['NOT_FOUND']);
  });

  describe('discovery, cells with their status and job, waiting for jobs, phases of several models', () => {
    let lazy: TestServer;
    const study = tempDir();
    beforeAll(async () => {
      lazy = await startTestServer({ scheduler: true });
      await addSyntheticStudy(lazy.wh, study.dir, { steps: [100, 200] });
    }, 120_000);
    afterAll(async () => {
      await lazy?.close();
      study.cleanup();
    });

    it('models(), tasks(), datasets(), rois(); brain_trajectory PENDING with job ids → wait_for → READY; phases([…])', async () => {
      const script = `
import json
import cortexql as cq
c = cq.Client(${JSON.stringify(lazy.server.endpoint)})
# NaN → None; numpy scalars → Python numbers, exactly (json.dumps default= below)
records = lambda df: [{k: None if isinstance(v, float) and v != v else v for k, v in r.items()} for r in df.astype(object).to_dict("records")]
first = cq.brain_trajectory("tiny", "synth", roi="AC", client=c)
done = cq.wait_for(first, timeout=300, poll_seconds=0.2, client=c)
after = cq.brain_trajectory("tiny", "synth", roi="AC", policy="never", client=c)
ph = cq.phases(["pythia-160m", "pythia-410m"], ["lambada_openai", "mmlu"], client=c, k=2, bootstrap=0)
try:
    cq.rois("no-such-dataset", client=c)
    code = None
except cq.CortexQLError as e:
    code = e.code
print(json.dumps({
    "models": records(cq.models(client=c)), "tasks": records(cq.tasks("pythia-70m", client=c)),
    "datasets": records(cq.datasets(client=c)), "rois": records(cq.rois("synth", client=c)),
    "firstColumns": list(first.columns), "first": records(first), "done": records(done), "after": records(after),
    "k": ph.k, "segments": records(ph.segments), "code": code,
}, default=lambda o: o.item()))
`;
      const out = JSON.parse((await run(PYTHON, ['-c', script])).stdout);
      const api = (await lazy.gql(`{
        models(first: 20) { nodes { id family checkpoints(first: 1) { totalCount } } }
        tasks(model: "pythia-70m") { task metrics nModels nCheckpoints }
        datasets { id subjects rois { name nVoxels } }
        model(id: "tiny") { brainTrajectory(dataset: "synth", roi: "AC", policy: NEVER) { step value layer status } }
        a: detectPhases(model: "pythia-160m", signals: [{ kind: TASK, task: "lambada_openai" }, { kind: TASK, task: "mmlu" }], options: { k: 2, bootstrap: 0 }) { segments { label startStep endStep } }
        b: detectPhases(model: "pythia-410m", signals: [{ kind: TASK, task: "lambada_openai" }, { kind: TASK, task: "mmlu" }], options: { k: 2, bootstrap: 0 }) { segments { label startStep endStep } } }`)).body.data;

      expect(out.models.map((m: { model: string }) => m.model)).toEqual(api.models.nodes.map((m: { id: string }) => m.id));
      expect(out.models.find((m: { model: string }) => m.model === 'pythia-70m')).toMatchObject({ family: 'pythia', n_checkpoints: api.models.nodes.find((m: { id: string }) => m.id === 'pythia-70m').checkpoints.totalCount });
      expect(out.tasks).toEqual(api.tasks.map((t: any) => ({ task: t.task, metrics: t.metrics, n_models: t.nModels, n_checkpoints: t.nCheckpoints })));
      expect(out.datasets).toEqual([{ dataset: 'synth', subjects: ['S01'], n_runs: expect.any(Number), tr_seconds: expect.any(Number), rois: api.datasets[0].rois.map((r: { name: string }) => r.name) }]);
      expect(out.rois).toEqual(api.datasets[0].rois.map((r: { name: string; nVoxels: number }) => ({ dataset: 'synth', roi: r.name, n_voxels: r.nVoxels })));

      // Missing cells are rows with a status and the job computing them, never a silent NaN.
      expect(out.firstColumns).toEqual(['model', 'step', 'tokens', 'fraction', 'layer', 'value', 'status', 'job_id', 'reason']);
      expect(out.first.map((p: any) => [p.step, p.status, p.value])).toEqual([[100, 'PENDING', null], [200, 'PENDING', null]]);
      const jobs = new Set(out.first.map((p: { job_id: string }) => p.job_id));
      expect([...jobs].every((j) => /^job_/.test(String(j)))).toBe(true);
      expect(out.done.map((j: any) => [j.job_id, j.status, j.fraction])).toEqual([...jobs].map((j) => [j, 'SUCCEEDED', 1]));
      expect(out.after.map((p: any) => ({ step: p.step, value: p.value, layer: p.layer, status: p.status }))).toEqual(api.model.brainTrajectory);
      expect(out.after.every((p: { status: string; job_id: unknown }) => p.status === 'READY' && p.job_id === null)).toBe(true);

      expect(out.k).toEqual({ 'pythia-160m': 2, 'pythia-410m': 2 });
      const segs = (model: string, s: any[]) => s.map((x) => ({ model, label: x.label, start_step: x.startStep, end_step: x.endStep }));
      expect(out.segments.map((s: any) => ({ model: s.model, label: s.label, start_step: s.start_step, end_step: s.end_step })))
        .toEqual([...segs('pythia-160m', api.a.segments), ...segs('pythia-410m', api.b.segments)]);
      expect(out.code).toBe('NOT_FOUND');
    });
  });
});
