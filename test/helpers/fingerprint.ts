import type { Warehouse } from '../../warehouse/Warehouse.js';

/** Row count and an order-independent content hash per table. */
export type Fingerprint = Record<string, { rows: number; hash: string }>;

/**
 * A content fingerprint of every table of the warehouse: equal fingerprints mean no row was
 * added, removed or changed (hashes of whole rows, summed, so row order does not matter). For
 * tests that throw hostile input at a door and must show that nothing was written.
 */
export async function warehouseFingerprint(wh: Warehouse): Promise<Fingerprint> {
  const tables = await wh.all<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name",
    [],
    { cache: false },
  );
  const out: Fingerprint = {};
  for (const { name } of tables) {
    const [row] = await wh.all<{ rows: number; hash: string }>(
      `SELECT count(*)::INTEGER AS rows, coalesce(sum(hash(t)), 0)::VARCHAR AS hash FROM "${name.replaceAll('"', '""')}" t`,
      [],
      { cache: false },
    );
    out[name] = row;
  }
  return out;
}
