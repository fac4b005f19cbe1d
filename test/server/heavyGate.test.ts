import { describe, expect, it } from 'vitest';
import { isCortexError } from '../../errors/CortexError.js';
import { HeavyGate } from '../../server/heavyGate.js';

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
