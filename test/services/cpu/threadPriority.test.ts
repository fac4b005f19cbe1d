import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { CpuPool } from '../../../services/cpu/CpuPool.js';

/** nice values of this process's threads (field 19 of /proc/self/task/<tid>/stat), by thread id. */
function threadNices(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), Number(fields[16]));
  }
  return out;
}

/** The compute pool's threads run below the event loop's priority, so a saturated machine serves /healthz first. */
describe('compute-pool thread priority', () => {
  const pool = new CpuPool({ threads: 1 });
  afterAll(() => pool.close());

  it('runs its tasks on a thread 5 nice steps below the main thread, which keeps its own', async () => {
    const before = getPriority();
    const series = [0, 1].map((k) => ({ key: `m${k}`, x: Float64Array.from([1, 2, 3, 4]), value: Float64Array.from([k, k + 1, k + 3, k + 2]) }));
    const result = await pool.run({ kind: 'compareSeries', series, options: {} });
    expect(result.series).toHaveLength(2);
    expect(getPriority()).toBe(before);
    expect([...threadNices().values()]).toContain(Math.min(19, before + 5));
    expect(threadNices().get(process.pid)).toBe(before);
  });
});
