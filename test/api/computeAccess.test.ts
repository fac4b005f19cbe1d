import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthConfig } from '../../server/auth.js';
import { createApiKey } from '../../services/apiKeys.js';
import { COMPUTE_ROLES, DEFAULT_QUOTAS, type ComputeAccessConfig } from '../../services/cells/computeAccess.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSyntheticStudy } from '../helpers/syntheticStudy.js';
import { tempDir } from '../helpers/tmp.js';

const LIMITS = { maxCost: 200_000, requestsPerMinute: 100_000 };
const auth = (compute?: ComputeAccessConfig): AuthConfig => ({
  anonymousRole: 'reader', limits: { reader: LIMITS, writer: LIMITS, admin: LIMITS }, refusedPerMinute: 100_000, ...(compute ? { compute } : {}),
});

const SCORE = (step: number, policy = 'IF_MISSING') =>
  `{ model(id: "tiny") { checkpoints(first: 1, stepRange: { from: ${step}, to: ${step} }) { nodes { brainScore(dataset: "synth", policy: ${policy}) { status jobId reason } } } } }`;

/** A server with a study whose cells are all missing: steps 100, 200, 300 with features. */
async function studyServer(compute: ComputeAccessConfig | undefined, tmp: string): Promise<{ t: TestServer; reader: Record<string, string> }> {
  const t = await startTestServer({ withPythia: false, scheduler: true, auth: auth(compute) });
  await addSyntheticStudy(t.wh, tmp, { steps: [100, 200, 300] });
  return { t, reader: { authorization: `Bearer ${(await createApiKey(t.wh, 'reader', 'reader')).key}` } };
}

const jobCount = async (t: TestServer) => (await t.wh.all<{ n: number }>('SELECT count(*)::INTEGER AS n FROM jobs', [], { cache: false }))[0].n;

describe('who may start computations (defaults outside the demo)', () => {
  const tmp = tempDir();
  let t: TestServer;
  let reader: Record<string, string>;
  beforeAll(async () => {
    ({ t, reader } = await studyServer(undefined, tmp.dir));
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  it('anonymous clients get stored cells only: the missing cell says so, nothing is started', async () => {
    const { status, body } = await t.gql(SCORE(100));
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.model.checkpoints.nodes[0].brainScore).toEqual({
      status: 'MISSING', jobId: null,
      reason: 'not computed: requests without an API key read stored cells only on this server (a key with role reader, writer, admin may start computations)',
    });
    const trajectory = await t.gql(`{ model(id: "tiny") { brainTrajectory(dataset: "synth") { step status reason } } }`);
    expect(trajectory.body.data.model.brainTrajectory.map((p: { status: string }) => p.status)).toEqual(['MISSING', 'MISSING', 'MISSING']);
    expect(await jobCount(t)).toBe(0);
  });

  it('a keyed reader starts the computation, which anonymous pollers then see PENDING and READY', async () => {
    const started = (await t.gql(SCORE(100), {}, reader)).body.data.model.checkpoints.nodes[0].brainScore;
    expect(started).toMatchObject({ status: 'PENDING', jobId: expect.stringMatching(/^job_/) });
    expect((await t.gql(SCORE(100))).body.data.model.checkpoints.nodes[0].brainScore).toMatchObject({ status: expect.stringMatching(/^(PENDING|READY)$/), jobId: started.jobId });
    await t.scheduler!.wait(started.jobId, 60_000);
    expect((await t.gql(SCORE(100))).body.data.model.checkpoints.nodes[0].brainScore.status).toBe('READY');
  });
});

describe('compute quotas per key', () => {
  const tmp = tempDir();
  let t: TestServer;
  let reader: Record<string, string>;
  beforeAll(async () => {
    ({ t, reader } = await studyServer({ roles: COMPUTE_ROLES, quotas: { ...DEFAULT_QUOTAS, reader: { jobs: 1, cpuSecondsPerHour: 3600 } } }, tmp.dir));
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  it('over its quota a key gets QUOTA_EXCEEDED with the retry time, beside the cells it can have', async () => {
    const first = (await t.gql(SCORE(100), {}, reader)).body.data.model.checkpoints.nodes[0].brainScore;
    expect(first.status).toBe('PENDING');
    // The same job again takes no more of the quota.
    expect((await t.gql(SCORE(100), {}, reader)).body.data.model.checkpoints.nodes[0].brainScore.jobId).toBe(first.jobId);
    const over = await t.gql(`{ model(id: "tiny") { brainTrajectory(dataset: "synth") { step status jobId reason } } }`, {}, reader);
    expect(over.status).toBe(200);
    const points = over.body.data.model.brainTrajectory as { step: number; status: string; reason: string }[];
    expect(points.find((p) => p.step === 100)!.status).toMatch(/^(PENDING|READY)$/);
    for (const p of points.filter((q) => q.step !== 100)) {
      expect(p).toMatchObject({ status: 'MISSING', reason: expect.stringMatching(/^not computed: compute quota used up \(1 of 1 jobs queued or running\); retry in \d+ s$/) });
    }
    expect(over.body.errors).toEqual([{
      message: expect.stringMatching(/^compute quota used up: 1 of 1 jobs queued or running; stored cells are answered, missing ones start no computation; retry in \d+ s$/),
      extensions: { code: 'QUOTA_EXCEEDED', retryAfterSeconds: expect.any(Number), jobs: 1, cpuSecondsPerHour: 3600 },
    }]);
    expect(await jobCount(t)).toBe(1);
    // Once its job is done, the key may start the next one.
    await t.scheduler!.wait(first.jobId, 60_000);
    expect((await t.gql(SCORE(200), {}, reader)).body.data.model.checkpoints.nodes[0].brainScore.status).toBe('PENDING');
  });
});
