import { describe, expect, it } from 'vitest';
import { RequestScope } from '../../server/requestScope.js';
import { scopedRead, statementScope } from '../../warehouse/statementScope.js';
import { Warehouse } from '../../warehouse/Warehouse.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('RequestScope: one request’s share of the reader connections', () => {
  it('lets 2 statements of a request run at once, the others wait their turn', async () => {
    const scope = new RequestScope({ deadlineMs: 10_000, concurrentStatements: 2, maxStatements: 100 });
    let running = 0;
    let peak = 0;
    const read = () =>
      scopedRead(async () => {
        running++;
        peak = Math.max(peak, running);
        await tick();
        running--;
        return 1;
      });
    const results = await statementScope.run(scope, () => Promise.all(Array.from({ length: 10 }, read)));
    expect(results).toEqual(new Array(10).fill(1));
    expect(peak).toBe(2);
    scope.finish();
  });

  it('refuses statements past the budget with COST_LIMIT, and all of them once the client is gone', async () => {
    const scope = new RequestScope({ deadlineMs: 10_000, concurrentStatements: 2, maxStatements: 3 });
    const read = () => scopedRead(async () => 1);
    await statementScope.run(scope, async () => {
      for (let i = 0; i < 3; i++) await read();
      await expect(read()).rejects.toMatchObject({ code: 'COST_LIMIT', details: { maxStatements: 3 } });
    });
    const other = new RequestScope({ deadlineMs: 10_000, concurrentStatements: 2, maxStatements: 100 });
    other.cancel();
    expect(other.signal.aborted).toBe(true);
    await statementScope.run(other, async () => {
      await expect(read()).rejects.toMatchObject({ code: 'REQUEST_CANCELLED' });
    });
  });

  it('aborts at the deadline, which a waiting field can extend', async () => {
    const scope = new RequestScope({ deadlineMs: 30, concurrentStatements: 2, maxStatements: 100 });
    scope.extendDeadline(60);
    await new Promise((r) => setTimeout(r, 50));
    expect(scope.signal.aborted).toBe(false);
    await new Promise((r) => setTimeout(r, 80));
    expect(scope.signal.aborted).toBe(true);
    expect(scope.signal.reason).toMatchObject({ code: 'DEADLINE_EXCEEDED', details: { deadlineMs: 90 } });
  });

  it('reads outside any request are not gated', async () => {
    expect(await scopedRead(async () => 'free')).toBe('free');
  });

  describe('identical reads shared between requests (warehouse/Warehouse.ts)', () => {
    const scope = () => new RequestScope({ deadlineMs: 10_000, concurrentStatements: 1, maxStatements: 100 });
    // Slow enough (~0.1–1 s) that the second request arrives while the first one's read runs.
    const SLOW = 'SELECT count(*) AS n FROM range(60000000) t(i) WHERE i % 7 = ?';
    const count = (k: number) => Math.ceil((60_000_000 - k) / 7);

    it('a request cancelled while its read runs does not fail another request sharing it', async () => {
      const wh = await Warehouse.create({ path: ':memory:', cacheEntries: 0 });
      try {
        const [a, b] = [scope(), scope()];
        const before = wh.statementCount;
        const first = statementScope.run(a, () => wh.all<{ n: number }>(SLOW, [3]));
        await new Promise((r) => setTimeout(r, 20));
        const second = statementScope.run(b, () => wh.all<{ n: number }>(SLOW, [3]));
        a.cancel();
        expect(await second).toEqual([{ n: count(3) }]);
        expect(await first).toEqual([{ n: count(3) }]); // already running: a cancelled request's statements are not interrupted
        expect(wh.statementCount - before).toBe(1);
        // Cancelled, the request issues nothing more.
        await expect(statementScope.run(a, () => wh.all(SLOW, [3]))).rejects.toMatchObject({ code: 'REQUEST_CANCELLED' });
        [a, b].forEach((s) => s.finish());
      } finally {
        await wh.close();
      }
    });

    it('a request cancelled while waiting for its turn fails alone: the other runs the read itself', async () => {
      const wh = await Warehouse.create({ path: ':memory:', cacheEntries: 0 });
      try {
        const [a, b] = [scope(), scope()];
        await a.enter(); // request A's one statement slot is taken: its next read waits
        const waiting = statementScope.run(a, () => wh.all<{ n: number }>(SLOW, [5]));
        const other = statementScope.run(b, () => wh.all<{ n: number }>(SLOW, [5]));
        a.cancel();
        await expect(waiting).rejects.toMatchObject({ code: 'REQUEST_CANCELLED' });
        expect(await other).toEqual([{ n: count(5) }]);
        [a, b].forEach((s) => s.finish());
      } finally {
        await wh.close();
      }
    });

    it('a value derived for one request and shared with others does not fail with the first one\'s cancellation', async () => {
      const wh = await Warehouse.create({ path: ':memory:', cacheEntries: 0 });
      try {
        const [a, b] = [scope(), scope()];
        await a.enter(); // A's slot is taken: a read gated by A would wait, then fail when A is cancelled
        const compute = () => wh.all<{ n: number }>(SLOW, [6]).then((rows) => rows[0]?.n);
        const forA = statementScope.run(a, () => wh.derived('shared', compute));
        const forB = statementScope.run(b, () => wh.derived('shared', compute));
        a.cancel();
        expect(await forB).toBe(count(6));
        expect(await forA).toBe(count(6));
        [a, b].forEach((s) => s.finish());
      } finally {
        await wh.close();
      }
    });
  });
});
