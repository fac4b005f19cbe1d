import { describe, expect, it } from 'vitest';
import { RequestScope } from '../../server/requestScope.js';
import { scopedRead, statementScope } from '../../warehouse/statementScope.js';

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
});
