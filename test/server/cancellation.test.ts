import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../server/app.js';
import { localAuth } from '../../server/auth.js';
import { cpuPool } from '../../services/cpu/CpuPool.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** About a second or more of phase detection on the compute pool (n = 27, 4 signals, 6,000 replicates). */
const SLOW = (seed: number) => `{ detectPhases(model: "pythia-160m",
  signals: [{ kind: TASK, task: "piqa" }, { kind: TASK, task: "lambada_openai" }, { kind: TASK, task: "arc_easy" }, { kind: TASK, task: "sciq" }],
  options: { bootstrap: 6000, minSize: 2, kMax: 8, seed: ${seed} }) { k } }`;

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return condition();
}

describe('heavy work stops with its request', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ limits: { maxCost: 2_000_000 } });
  });
  afterAll(() => t.close());

  it('a client that goes away cancels its worker task (the pool is idle again at once)', async () => {
    // How long the computation takes when it runs to the end (this also warms the pool's thread).
    const t0 = performance.now();
    expect((await t.gql(SLOW(1))).body.errors).toBeUndefined();
    const full = performance.now() - t0;
    const controller = new AbortController();
    const request = fetch(t.server.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: SLOW(2) }), signal: controller.signal });
    expect(await until(() => cpuPool().load > 0, 5_000)).toBe(true);
    controller.abort();
    await expect(request).rejects.toThrow();
    // Cancelled, not finished: the task leaves the pool far sooner than the computation takes.
    const aborted = performance.now();
    expect(await until(() => cpuPool().load === 0, full)).toBe(true);
    expect(performance.now() - aborted).toBeLessThan(full / 2);
  });

  it('a request past its deadline is stopped with DEADLINE_EXCEEDED', async () => {
    // A second server on the same warehouse, with a 0.2 s deadline.
    const server = await startServer(t.wh, {
      host: '127.0.0.1', port: 0, limits: { maxPageSize: 500, maxDepth: 12, maxCost: 2_000_000 }, auth: localAuth('admin', 2_000_000), deadlineMs: 200, log: () => {},
    });
    try {
      const t0 = performance.now();
      const res = await fetch(server.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: SLOW(3) }) });
      const body = (await res.json()) as { data?: any; errors?: any[] };
      expect(body.errors?.[0]).toMatchObject({ message: 'the request ran past its deadline of 0.2 s and was stopped', extensions: { code: 'DEADLINE_EXCEEDED', deadlineMs: 200 } });
      expect(performance.now() - t0).toBeLessThan(5_000);
      expect(await until(() => cpuPool().load === 0, 2_000)).toBe(true);
    } finally {
      await server.close();
    }
  });
});
