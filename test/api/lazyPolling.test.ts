import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSyntheticStudy } from '../helpers/syntheticStudy.js';
import { tempDir } from '../helpers/tmp.js';

const POLLERS = 64;

/**
 * Clients poll a cell "until it is no longer PENDING": a status must only move forward, so no
 * poller may ever see MISSING for a cell whose job is queued, running or finished — least of all
 * in the instant between the job's results committing and the reader seeing them.
 */
describe(`${POLLERS} clients polling a cell through its job's completion`, () => {
  let t: TestServer;
  const tmp = tempDir();
  beforeAll(async () => {
    t = await startTestServer({ withPythia: false, scheduler: true });
    // Big enough that the job runs for a while under the pollers' load.
    await addSyntheticStudy(t.wh, tmp.dir, { steps: [100], voxels: 1200, dim: 24 });
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  it('never see MISSING, never go back from READY, and share one computation', async () => {
    const query = (policy: string) => `{ model(id: "tiny") { checkpoints(first: 1) { nodes { brainScore(dataset: "synth", roi: "AC", policy: ${policy}) { status jobId } } } } }`;
    const started = t.scheduler!.started;
    const first = (await t.gql(query('IF_MISSING'))).body.data.model.checkpoints.nodes[0].brainScore;
    expect(first.status).toBe('PENDING');
    // Half ask as IF_MISSING (they would start the job were it not live), half as NEVER (stored cells only).
    const poll = async (i: number): Promise<string[]> => {
      const seen: string[] = [];
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        const { body } = await t.gql(query(i % 2 ? 'NEVER' : 'IF_MISSING'));
        const status = body.data?.model?.checkpoints.nodes[0].brainScore.status ?? `ERROR ${JSON.stringify(body.errors)}`;
        seen.push(status);
        // Keep polling a little past READY: a status must not flip back.
        if (seen.filter((s) => s === 'READY').length >= 3 || status === 'FAILED' || status.startsWith('ERROR')) break;
      }
      return seen;
    };
    const sequences = await Promise.all(Array.from({ length: POLLERS }, (_, i) => poll(i)));
    const answers = sequences.flat();
    const count = (status: string) => answers.filter((s) => s === status).length;
    console.log(`${POLLERS} pollers, ${answers.length} answers: ${count('PENDING')} PENDING, ${count('READY')} READY, ${count('MISSING')} MISSING`);
    expect(count('MISSING')).toBe(0);
    expect(answers.every((s) => s === 'PENDING' || s === 'READY')).toBe(true);
    for (const seq of sequences) {
      expect(seq.at(-1)).toBe('READY');
      expect(seq.slice(seq.indexOf('READY')).every((s) => s === 'READY')).toBe(true);
    }
    // The pollers saw it run: some answers came while it was PENDING.
    expect(count('PENDING')).toBeGreaterThan(0);
    expect(t.scheduler!.started).toBe(started + 1);
    expect(await t.wh.all('SELECT count(*)::INTEGER AS n FROM runs', [], { cache: false })).toEqual([{ n: 1 }]);
    expect(await t.wh.all("SELECT status, attempts FROM jobs", [], { cache: false })).toEqual([{ status: 'SUCCEEDED', attempts: 0 }]);
  });
});
