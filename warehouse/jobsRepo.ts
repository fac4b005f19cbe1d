import type { Warehouse } from './Warehouse.js';

/** Jobs per status, for monitoring. */
export async function jobCounts(wh: Warehouse): Promise<{ status: string; n: number }[]> {
  return wh.all('SELECT status, count(*)::INTEGER AS n FROM jobs GROUP BY status ORDER BY status', [], { cache: false });
}
