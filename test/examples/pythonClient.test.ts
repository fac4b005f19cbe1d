import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { readPythiaFiles } from '../helpers/pythiaFiles.js';
import { describeWith, pythonRequirement } from '../helpers/requirements.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const PYTHON = '/usr/bin/python3';
const EXAMPLES = join(PACKAGE_ROOT, 'examples', 'python');
const run = promisify(execFile);

/** Debian's python3 with the two packages the client needs (python3-pandas, python3-requests). */
const CLIENT_DEPS = pythonRequirement(PYTHON, 'pandas, requests');
const hasMatplotlib = CLIENT_DEPS.available && pythonRequirement(PYTHON, 'matplotlib').available;

describeWith(CLIENT_DEPS, 'examples/python against a running server', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('plot_trajectory.py prints the trajectories, final values, correlation and phases the API holds', async () => {
    const png = join(PACKAGE_ROOT, 'test', '.tmp', 'trajectory.png');
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
sys.path.insert(0, ${JSON.stringify(EXAMPLES)})
import cortexql_client as cq
c = cq.Client(${JSON.stringify(t.server.endpoint)})
df = cq.trajectories("pythia-160m", "mmlu", client=c)
cmp = cq.compare(["pythia-160m", "pythia-70m"], "mmlu", align_by="step", grid_points=5, client=c)
ph = cq.phases("pythia-160m", "mmlu", client=c, k=1, bootstrap=0)
try:
    cq.trajectories(["pythia-160m", "no-such-model"], "piqa", client=c)
    codes = None
except cq.CortexQLError as e:
    codes = e.codes
print(json.dumps({
    "columns": list(df.columns), "dtypes": {k: str(v) for k, v in df.dtypes.items()}, "rows": len(df),
    "final": df.value.iloc[-1], "nTasks": int(df.n_tasks.iloc[-1]),
    "summary": [{k: None if pd.isna(v) else v for k, v in r.items()} for r in cmp.summary.to_dict("records")], "gridRows": len(cmp.points),
    "k": ph.k, "breakpoints": ph.breakpoints.step.tolist(), "codes": codes,
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
});
