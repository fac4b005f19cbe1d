import type { LeaderboardRow } from '../../dashboard/src/queries.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedDemoWarehouse } from '../helpers/fixtures.js';
import { warehouseFingerprint as fingerprint } from '../helpers/fingerprint.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { deleteCells } from '../../warehouse/brainScoresRepo.js';

/** The row shape the dashboard reads is the one this test checks. */
type Row = LeaderboardRow;

const BOARD = `query Board($dataset: ID, $roi: String!, $tasks: [String!]!, $phases: Boolean!) {
  leaderboard(dataset: $dataset, roi: $roi, tasks: $tasks, phases: $phases) {
    dataset roi statistic tasks metric rankedBy
    rows { rank modelId checkpoints brain { value step tokens layer scoredCheckpoints } brainReason
      tasks { task metric value stderr step reason } phases { k boundaries labels signals } phasesReason }
  }
}`;

/**
 * Query.leaderboard over real HTTP on the demo warehouse, against values computed independently
 * from the fields it summarises: Model.brainTrajectory (stored only), Model.taskTrajectory and
 * Query.detectPhases.
 */
describe('leaderboard: one query ranking models by best brain score, with final task scores and phases', () => {
  let t: TestServer;
  const TASKS = ['sim_arc_easy', 'lambada_openai'];
  let rows: Row[];

  beforeAll(async () => {
    t = await startTestServer({ db: (await cachedDemoWarehouse()).path, scheduler: true });
    const { status, body } = await t.gql(BOARD, { dataset: 'sim-narratives', roi: 'STS', tasks: TASKS, phases: true });
    expect([status, body.errors]).toEqual([200, undefined]);
    expect(body.data.leaderboard).toMatchObject({ dataset: 'sim-narratives', roi: 'STS', statistic: 'MEAN_R', tasks: TASKS, metric: 'acc', rankedBy: 'best mean_r on sim-narratives / STS' });
    rows = body.data.leaderboard.rows;
  }, 300_000);
  afterAll(async () => {
    await t?.close();
  });

  it('lists every model once; ranked rows first, by rank', async () => {
    const { body } = await t.gql('{ models(first: 100) { nodes { id } } }');
    expect(rows.map((r) => r.modelId).sort()).toEqual(body.data.models.nodes.map((m: { id: string }) => m.id).sort());
    const ranked = rows.filter((r) => r.rank !== null);
    expect(ranked.map((r) => r.rank)).toEqual(ranked.map((_, i) => i + 1));
    expect(rows.slice(0, ranked.length)).toEqual(ranked);
    for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1].brain!.value).toBeGreaterThanOrEqual(ranked[i].brain!.value);
  });

  it('gives each model the maximum of its stored best-layer brain trajectory, with that checkpoint, layer and tokens', async () => {
    for (const row of rows) {
      const { body } = await t.gql(`query($m: ID!) { model(id: $m) { checkpoints(first: 1) { totalCount }
        brainTrajectory(dataset: "sim-narratives", roi: "STS", policy: NEVER) { step tokens layer value status } } }`, { m: row.modelId });
      const points: { step: number; tokens: number | null; layer: number | null; value: number | null; status: string }[] = body.data.model.brainTrajectory;
      expect(row.checkpoints).toBe(body.data.model.checkpoints.totalCount);
      const ready = points.filter((p) => p.status === 'READY' && p.value !== null);
      if (ready.length === 0) {
        expect([row.modelId, row.brain, row.rank]).toEqual([row.modelId, null, null]);
        expect(row.brainReason).toMatch(/no stored mean_r brain scores on sim-narratives \/ STS/);
        continue;
      }
      const best = ready.reduce((b, p) => (p.value! > b.value! ? p : b));
      expect(row.brain).toEqual({ value: best.value, step: best.step, tokens: best.tokens, layer: best.layer, scoredCheckpoints: ready.length });
    }
    // The demo's simulated model has brain scores; the Pythia models have none.
    expect(rows[0]).toMatchObject({ modelId: 'sim-tinygpt', rank: 1 });
    expect(rows.filter((r) => r.brain !== null).map((r) => r.modelId)).toEqual(['sim-tinygpt']);
  });

  it('gives each task its value at the last checkpoint that has one, as taskTrajectory lists them', async () => {
    for (const row of rows) {
      expect(row.tasks.map((x) => x.task)).toEqual(TASKS);
      for (const cell of row.tasks) {
        const { body } = await t.gql(`query($m: ID!, $t: String!) { model(id: $m) { taskTrajectory(task: $t) { step value stderr } } }`, { m: row.modelId, t: cell.task });
        const points: { step: number; value: number | null; stderr: number | null }[] = body.data?.model.taskTrajectory ?? [];
        const last = points.filter((p) => p.value !== null).at(-1);
        if (!last) {
          expect(cell).toMatchObject({ value: null, step: null, reason: 'no stored scores for this model' });
          continue;
        }
        expect(cell).toEqual({ task: cell.task, metric: 'acc', value: last.value, stderr: last.stderr, step: last.step, reason: null });
      }
    }
    expect(rows.find((r) => r.modelId === 'pythia-160m')!.tasks[1].value).not.toBeNull();
  });

  it('detects phases as detectPhases does, on the brain signal and the first listed task the model has', async () => {
    const sim = rows.find((r) => r.modelId === 'sim-tinygpt')!;
    expect(sim.phases!.signals).toEqual(['brain:sim-narratives/STS/best', 'task:sim_arc_easy/acc']);
    const { body } = await t.gql(`{ detectPhases(model: "sim-tinygpt", signals: [{ kind: BRAIN, dataset: "sim-narratives", roi: "STS" }, { kind: TASK, task: "sim_arc_easy" }],
      options: { bootstrap: 0 }) { k breakpoints { step } segments { label } } }`);
    const d = body.data.detectPhases;
    expect(sim.phases).toMatchObject({ k: d.k, boundaries: d.breakpoints.map((b: { step: number }) => b.step), labels: d.segments.map((s: { label: string }) => s.label) });
    expect(sim.phases!.k).toBeGreaterThan(0);
    expect(sim.phases!.labels).toHaveLength(sim.phases!.k + 1);

    // A Pythia model has no brain scores: its phases are on the first task it has (lambada_openai).
    const pythia = rows.find((r) => r.modelId === 'pythia-410m')!;
    expect(pythia.phases!.signals).toEqual(['task:lambada_openai/acc']);
    const p = await t.gql(`{ detectPhases(model: "pythia-410m", signals: [{ kind: TASK, task: "lambada_openai" }], options: { bootstrap: 0 }) { k breakpoints { step } } }`);
    expect(pythia.phases).toMatchObject({ k: p.body.data.detectPhases.k, boundaries: p.body.data.detectPhases.breakpoints.map((b: { step: number }) => b.step) });
  });

  it('reads stored cells only: a checkpoint whose cells are missing is left out, and no job starts', async () => {
    // Remove sim-tinygpt's cells at its last checkpoint: they are computable (its ONNX checkpoint is registered).
    const { body: traj } = await t.gql('{ model(id: "sim-tinygpt") { brainTrajectory(dataset: "sim-narratives", roi: "STS", policy: NEVER) { step } } }');
    const last: number = traj.data.model.brainTrajectory.at(-1).step;
    expect(await t.wh.write((tx) => deleteCells(tx, { modelId: 'sim-tinygpt', step: last, datasetId: 'sim-narratives' }))).toBeGreaterThan(0);
    const jobs = async () => (await t.gql('{ jobs(first: 100) { totalCount } }')).body.data.jobs.totalCount as number;
    const jobsBefore = await jobs();
    const before = await fingerprint(t.wh);

    const { body } = await t.gql(BOARD, { dataset: 'sim-narratives', roi: 'STS', tasks: [], phases: true });
    expect(body.errors).toBeUndefined();
    const sim: Row = body.data.leaderboard.rows.find((r: Row) => r.modelId === 'sim-tinygpt');
    const old = rows.find((r) => r.modelId === 'sim-tinygpt')!;
    expect(sim.brain!.scoredCheckpoints).toBe(old.brain!.scoredCheckpoints - 1);
    expect(await jobs()).toBe(jobsBefore);
    expect(await fingerprint(t.wh)).toEqual(before);
    // What a leaderboard never does, brainTrajectory's default policy (IF_MISSING) does: start the computation.
    const lazy = await t.gql('{ model(id: "sim-tinygpt") { brainTrajectory(dataset: "sim-narratives", roi: "STS") { step status } } }');
    expect(lazy.body.data.model.brainTrajectory.find((p: { step: number }) => p.step === last).status).toMatch(/PENDING|READY/);
    expect(await jobs()).toBeGreaterThan(jobsBefore);
  });

  it('without a dataset ranks by the first task; unknown names are NOT_FOUND with suggestions', async () => {
    const { body } = await t.gql(BOARD, { dataset: null, roi: 'all', tasks: ['lambada_openai'], phases: false });
    const board = body.data.leaderboard;
    expect(board.rankedBy).toBe('final lambada_openai / acc');
    const ranked = board.rows.filter((r: Row) => r.rank !== null);
    for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1].tasks[0].value).toBeGreaterThanOrEqual(ranked[i].tasks[0].value);
    expect(board.rows.every((r: Row) => r.brain === null && r.brainReason === 'no dataset given')).toBe(true);

    const roi = await t.gql(BOARD, { dataset: 'sim-narratives', roi: 'sts', tasks: [], phases: false });
    expect(roi.body.errors![0].extensions).toMatchObject({ code: 'NOT_FOUND', didYouMean: expect.arrayContaining(['STS']) });
    const task = await t.gql(BOARD, { dataset: null, roi: 'all', tasks: ['lambada_opena'], phases: false });
    expect(task.body.errors![0].extensions.code).toBe('NOT_FOUND');
  });
});
