import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCortexError } from '../../errors/CortexError.js';
import { HeavyGate } from '../../server/heavyGate.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const open = () => new AbortController();

describe('HeavyGate: expensive operations take turns', () => {
  it('admits `slots` at once and hands each freed slot to the longest waiting, in order', async () => {
    const gate = new HeavyGate(1);
    const first = await gate.acquire(open().signal);
    const order: string[] = [];
    const second = gate.acquire(open().signal).then((release) => { order.push('second'); return release; });
    const third = gate.acquire(open().signal).then((release) => { order.push('third'); return release; });
    await Promise.resolve();
    expect(gate.waiting).toBe(2);
    expect(order).toEqual([]);
    first();
    first(); // releasing twice frees one slot, once
    (await second)();
    (await third)();
    expect(order).toEqual(['second', 'third']);
    expect(gate.waiting).toBe(0);
    // All slots free again: the next one is admitted at once.
    const again = await gate.acquire(open().signal);
    again();
  });

  it('a request that goes away while queued leaves the queue with its abort reason; a full queue is SERVER_BUSY', async () => {
    const gate = new HeavyGate(1, 1);
    const held = await gate.acquire(open().signal);
    const leaving = open();
    const queued = gate.acquire(leaving.signal);
    await expect(gate.acquire(open().signal)).rejects.toSatisfy((e) => isCortexError(e, 'SERVER_BUSY'));
    leaving.abort();
    await expect(queued).rejects.toBeDefined();
    expect(gate.waiting).toBe(0);
    held();
    (await gate.acquire(open().signal))();
  });
});

describe('the server: expensive queries take turns through the gate (one slot, no queue)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ heavy: { concurrency: 1, queue: 0 } });
  });
  afterAll(() => t?.close());

  // Four signals × 1,400 bootstrap replicates: close to the reader's cost ceiling, far over a tenth of it.
  const expensive = (seed: number) =>
    `{ detectPhases(model: "pythia-160m", signals: [{ kind: TASK, task: "piqa" }, { kind: TASK, task: "lambada_openai" }, { kind: TASK, task: "arc_easy" }, { kind: TASK, task: "sciq" }],
       options: { bootstrap: 1400, minSize: 2, kMax: 8, seed: ${seed} }) { k } }`;
  const gauge = async (state: string) => {
    const text = await (await fetch(new URL('/metrics', t.server.url))).text();
    return Number(new RegExp(`^cortexql_expensive_requests\\{state="${state}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
  };

  it('runs one at a time: a second one while the first executes is SERVER_BUSY, cheap queries pass, the slot comes back', async () => {
    expect(await gauge('executing')).toBe(0);
    const first = t.gql(expensive(1));
    while ((await gauge('executing')) === 0) await new Promise((r) => setTimeout(r, 5));
    const [second, cheap] = await Promise.all([t.gql(expensive(2)), t.gql('{ models(first: 1) { totalCount } }')]);
    expect(second.status).toBe(503);
    expect(second.body.errors?.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['SERVER_BUSY']);
    expect(cheap.body).toEqual({ data: { models: { totalCount: 7 } } });
    expect((await first).body.data.detectPhases.k).toEqual(expect.any(Number));
    expect(await gauge('executing')).toBe(0);
    expect((await t.gql(expensive(3))).body.data.detectPhases.k).toEqual(expect.any(Number));
  });
});
