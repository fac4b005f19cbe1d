import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSyntheticStudy } from '../helpers/syntheticStudy.js';
import { tempDir } from '../helpers/tmp.js';

const STEPS = [100, 200, 300, 400, 500, 600, 700, 800];
// How much of the true features each step keeps: brain scores rise, fall and rise again.
const SIGNAL = new Map(STEPS.map((s, i) => [s, [0.2, 0.5, 0.85, 0.6, 0.35, 0.3, 0.6, 0.9][i]]));
const OPTIONS = 'options: { k: 1, minSize: 2, bootstrap: 0 }';

/**
 * Every field that reads brain or internal cells takes the same `policy`: layer profiles,
 * comparisons and phase signals start (or wait for) the checkpoints they lack, and say which
 * those are instead of silently leaving them out.
 */
describe('the cell policy wherever a cell is read', () => {
  let t: TestServer;
  const tmp = tempDir();
  beforeAll(async () => {
    t = await startTestServer({ withPythia: false, scheduler: true });
    await addSyntheticStudy(t.wh, tmp.dir, { steps: STEPS, models: ['tiny', 'tiny2'], signal: (s) => SIGNAL.get(s)! });
    // Every checkpoint but the last computed, for both models.
    const c = await t.gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny", "tiny2"], dataset: "synth", steps: [100, 200, 300, 400, 500, 600, 700] }) { jobs { id } } }`);
    for (const { id } of c.body.data.computeCells.jobs) await t.scheduler!.wait(id, 120_000);
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  const layerProfile = async (policy: string) =>
    (await t.gql(`{ model(id: "tiny") { checkpoints(first: 1, stepRange: { from: 800 }) { nodes { layerProfile(dataset: "synth", policy: ${policy}, waitSeconds: 60) { layer status jobId reason value } } } } }`))
      .body.data.model.checkpoints.nodes[0].layerProfile;

  it('layerProfile: a missing checkpoint lists the layers its computation covers, each with its status', async () => {
    expect(await layerProfile('NEVER')).toEqual([0, 1].map((layer) => ({ layer, status: 'MISSING', jobId: null, reason: 'not computed (policy NEVER starts no computation)', value: null })));
  });

  it('compareModels(signal: BRAIN) reports the checkpoints a series lacks', async () => {
    const { body } = await t.gql(`{ compareModels(models: ["tiny", "tiny2"], signal: { kind: BRAIN, dataset: "synth" }, policy: NEVER) {
      series { modelId points { step } gaps { signal step status jobId reason } } } }`);
    expect(body.errors).toBeUndefined();
    for (const series of body.data.compareModels.series) {
      expect(series.points.map((p: { step: number }) => p.step)).toEqual(STEPS.slice(0, 7));
      expect(series.gaps).toEqual([{ signal: 'brain:synth/all/best', step: 800, status: 'MISSING', jobId: null, reason: 'not computed (policy NEVER starts no computation)' }]);
    }
  });

  it('detectPhases and comparePhases: brain signals report their gaps; an internal signal with no stored value is refused with why', async () => {
    const { body } = await t.gql(`{ detectPhases(model: "tiny", signals: [{ kind: BRAIN, dataset: "synth" }], ${OPTIONS}, policy: NEVER) {
      k segments { startStep endStep } gaps { signal step status } } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data.detectPhases.gaps).toEqual([{ signal: 'brain:synth/all/best', step: 800, status: 'MISSING' }]);
    expect(body.data.detectPhases.segments.at(-1).endStep).toBe(700);
    const cmp = await t.gql(`{ comparePhases(models: ["tiny", "tiny2"], signals: [{ kind: BRAIN, dataset: "synth" }], ${OPTIONS}, policy: NEVER) {
      models { modelId phases { gaps { step status } } } } }`);
    expect(cmp.body.errors).toBeUndefined();
    expect(cmp.body.data.comparePhases.models).toEqual(['tiny', 'tiny2'].map((modelId) => ({ modelId, phases: { gaps: [{ step: 800, status: 'MISSING' }] } })));
    const internal = await t.gql(`{ detectPhases(model: "tiny", signals: [{ kind: INTERNAL, metric: "effectiveRank", dataset: "synth" }], policy: NEVER) { k } }`);
    expect(internal.body.errors?.[0]).toMatchObject({
      message: "signal internal:effectiveRank/mean has no stored values for model 'tiny' yet: its checkpoints are 8 MISSING (not computed (policy NEVER starts no computation)); poll, or ask with policy WAIT",
      extensions: { code: 'DEGENERATE_INPUT', gaps: 8 },
    });
  });

  it('with IF_MISSING the missing checkpoint starts and is PENDING; with WAIT it is used', async () => {
    const { body } = await t.gql(`{ detectPhases(model: "tiny", signals: [{ kind: BRAIN, dataset: "synth" }], ${OPTIONS}) { gaps { step status jobId } } }`);
    expect(body.data.detectPhases.gaps).toEqual([{ step: 800, status: 'PENDING', jobId: expect.stringMatching(/^job_/) }]);
    const waited = await t.gql(`{ detectPhases(model: "tiny", signals: [{ kind: BRAIN, dataset: "synth" }], ${OPTIONS}, policy: WAIT, waitSeconds: 60) {
      gaps { step } segments { endStep } } }`);
    expect(waited.body.data.detectPhases).toMatchObject({ gaps: [] });
    expect(waited.body.data.detectPhases.segments.at(-1).endStep).toBe(800);
    const profile = await layerProfile('NEVER');
    expect(profile.map((l: { status: string }) => l.status)).toEqual(['READY', 'READY']);
    expect(profile[1].value).toBeGreaterThan(0.5);
  });
});
