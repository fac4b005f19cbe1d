import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CortexError } from '../../errors/CortexError.js';
import { writeEncodingCell } from '../../warehouse/brainScoresRepo.js';
import { MIGRATIONS } from '../../warehouse/migrations.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { tempDir } from '../helpers/tmp.js';

const TABLES = [
  'brain_score_summary', 'brain_scores', 'cells', 'checkpoints', 'datasets', 'internal_metrics', 'jobs',
  'models', 'run_inputs', 'runs', 'schema_migrations', 'subjects', 'task_scores', 'voxels',
];

describe('Warehouse', () => {
  const tmp = tempDir();
  afterEach(() => undefined);

  it('creates every table of the design on a new file and records the migrations', async () => {
    const wh = await Warehouse.create({ path: join(tmp.dir, 'new.duckdb') });
    const tables = await wh.all<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1");
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(TABLES));
    const applied = await wh.all<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(applied.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    await wh.close();
  });

  it('applies migrations once: reopening keeps data and adds nothing', async () => {
    const path = join(tmp.dir, 'reopen.duckdb');
    const first = await Warehouse.create({ path });
    await first.write((tx) => tx.run("INSERT INTO models (model_id) VALUES ('m')"));
    await first.close();
    const second = await Warehouse.create({ path });
    expect(await second.all('SELECT count(*) AS n FROM schema_migrations')).toEqual([{ n: MIGRATIONS.length }]);
    expect(await second.all('SELECT model_id FROM models')).toEqual([{ model_id: 'm' }]);
    await second.close();
  });

  it('opens cleanly after the process that created it was killed (-9) right after migrating', async () => {
    const path = join(tmp.dir, 'killed.duckdb');
    const child = spawn(process.execPath, [
      '--input-type=module',
      '-e',
      `const { Warehouse } = await import(${JSON.stringify(join(process.cwd(), 'dist', 'warehouse', 'Warehouse.js'))});
       globalThis.wh = await Warehouse.create({ path: ${JSON.stringify(path)} });  // reachable: see the lock test
       console.log('migrated');
       setTimeout(() => {}, 30000);`,
    ], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const wh = await Warehouse.create({ path });
    expect(await wh.all('SELECT count(*) AS n FROM schema_migrations')).toEqual([{ n: MIGRATIONS.length }]);
    await wh.close();
  });

  it('rolls a failed write transaction back entirely', async () => {
    const wh = await Warehouse.create({ path: ':memory:' });
    await expect(
      wh.write(async (tx) => {
        await tx.run("INSERT INTO models (model_id) VALUES ('kept?')");
        await tx.run('INSERT INTO no_such_table VALUES (1)');
      }),
    ).rejects.toThrow(/no_such_table/);
    expect(await wh.all('SELECT count(*) AS n FROM models')).toEqual([{ n: 0 }]);
    await wh.close();
  });

  it('serves repeated reads from its cache until the next committed write', async () => {
    const wh = await Warehouse.create({ path: ':memory:' });
    const read = () => wh.all<{ n: number }>('SELECT count(*) AS n FROM models WHERE model_id LIKE ?', ['m%']);
    expect(await read()).toEqual([{ n: 0 }]);
    const statements = wh.statementCount;
    expect(await read()).toEqual([{ n: 0 }]);
    expect([wh.statementCount - statements, wh.cacheHits]).toEqual([0, 1]);
    await wh.write((tx) => tx.run("INSERT INTO models (model_id) VALUES ('m1')"));
    expect(await read()).toEqual([{ n: 1 }]);
    await wh.write(async () => { throw new Error('rolled back'); }).catch(() => undefined);
    expect(await read()).toEqual([{ n: 1 }]);
    await wh.close();
  });

  it('runs identical reads in flight at once as one statement, with the cache off too', async () => {
    const wh = await Warehouse.create({ path: ':memory:', cacheEntries: 0 });
    await wh.write((tx) => tx.run("INSERT INTO models (model_id) VALUES ('m1'), ('m2')"));
    const read = () => wh.all<{ n: number }>('SELECT count(*) AS n FROM models WHERE model_id LIKE ?', ['m%']);
    const before = wh.statementCount;
    expect(await Promise.all([read(), read(), read()])).toEqual([[{ n: 2 }], [{ n: 2 }], [{ n: 2 }]]);
    expect(wh.statementCount - before).toBe(1);
    expect(await read()).toEqual([{ n: 2 }]);
    expect(wh.statementCount - before).toBe(2);
    await wh.close();
  });

  it('bulk-appends typed arrays (NaN → NULL, constants, several parts) and reads them back as typed arrays', async () => {
    const wh = await Warehouse.create({ path: ':memory:' });
    const n = 5000; // more than one DataChunk (2048 rows)
    const voxel = Int32Array.from({ length: n }, (_, i) => i);
    const r = Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? NaN : i / n));
    const appended = await wh.write((tx) =>
      tx.append(
        'brain_scores',
        [
          { type: 'INTEGER', constant: 7 },
          { type: 'INTEGER', values: voxel.subarray(0, 3000) },
          { type: 'REAL', values: r.subarray(0, 3000) },
          { type: 'USMALLINT', values: new Uint16Array(3000).fill(2), nullValue: 2 },
        ],
        [
          { type: 'INTEGER', values: new Int32Array(n - 3000).fill(8) },
          { type: 'INTEGER', values: voxel.subarray(3000) },
          { type: 'REAL', values: r.subarray(3000) },
          { type: 'USMALLINT', values: new Uint16Array(n - 3000).fill(1), nullValue: 2 },
        ],
      ),
    );
    expect(appended).toBe(n);
    expect(await wh.all('SELECT cell_id, count(*) AS n, count(alpha_index) AS alphas, min(voxel) AS lo FROM brain_scores GROUP BY 1 ORDER BY 1')).toEqual([
      { cell_id: 7, n: 3000, alphas: 0, lo: 0 },
      { cell_id: 8, n: n - 3000, alphas: n - 3000, lo: 3000 },
    ]);
    const { columns, rowCount, names } = await wh.readColumns('SELECT voxel::DOUBLE AS voxel, r::DOUBLE AS r FROM brain_scores ORDER BY voxel');
    expect(names).toEqual(['voxel', 'r']);
    expect(rowCount).toBe(n);
    expect(Array.from(columns[0])).toEqual(Array.from(voxel));
    for (let i = 0; i < n; i++) {
      if (i % 7 === 0) expect(columns[1][i]).toBeNaN();
      else expect(columns[1][i]).toBe(Math.fround(i / n));
    }
    expect(await wh.all('SELECT count(*) AS n FROM brain_scores WHERE r IS NULL')).toEqual([{ n: Math.ceil(n / 7) }]);
    await wh.close();
  });

  it('appends many parts on parallel insert threads, each part one contiguous run in order, and restores the writer\'s order setting', async () => {
    const wh = await Warehouse.create({ path: join(tmp.dir, 'parallel.duckdb') });
    const [parts, size] = [40, 30_000];
    const r = Float32Array.from({ length: size }, (_, i) => i / size);
    await wh.write((tx) => tx.append('brain_scores', ...Array.from({ length: parts }, (_, p) => [
      { type: 'INTEGER' as const, constant: p },
      { type: 'INTEGER' as const, values: Int32Array.from({ length: size }, (_, i) => i) },
      { type: 'REAL' as const, values: r },
      { type: 'USMALLINT' as const, values: new Uint16Array(size).fill(p % 3) },
    ])));
    // Storage order: each cell's rows are consecutive row ids, in voxel order.
    const runs = await wh.all<{ cell: number; n: number; span: number; ordered: boolean }>(
      `SELECT cell_id AS cell, count(*)::INTEGER AS n, (max(rowid) - min(rowid) + 1)::INTEGER AS span,
              bool_and(voxel = rowid - first_row) AS ordered
       FROM (SELECT *, rowid, min(rowid) OVER (PARTITION BY cell_id) AS first_row FROM brain_scores) GROUP BY 1 ORDER BY 1`,
    );
    expect(runs).toEqual(Array.from({ length: parts }, (_, cell) => ({ cell, n: size, span: size, ordered: true })));
    const kept = () => wh.write((tx) => tx.all("SELECT current_setting('preserve_insertion_order') AS kept"));
    expect(await kept()).toEqual([{ kept: true }]);
    // An append that fails inside DuckDB rolls back, and the option is restored all the same.
    const failed = wh.write(async (tx) => {
      await tx.run('CREATE TABLE small (x INTEGER CHECK (x < 5000))');
      await tx.append('small', [{ type: 'INTEGER', values: Int32Array.from({ length: 10_000 }, (_, i) => i) }]);
    });
    await expect(failed).rejects.toThrow(/CHECK constraint/i);
    expect(await wh.all("SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'small'")).toEqual([{ n: 0 }]);
    expect(await kept()).toEqual([{ kept: true }]);
    await wh.close();
  });

  it('never reuses a read plan across a commit: a repeated read sees the cell a write replaced', async () => {
    // DuckDB bakes table statistics into a prepared plan (here the cell_id range of the join),
    // so a statement prepared before a commit can miss rows written by it.
    const wh = await Warehouse.create({ path: join(tmp.dir, 'plans.duckdb'), cacheEntries: 0 });
    const cell = { modelId: 'm', step: 1, layer: 2, datasetId: 'd', subjectId: 's', paramsHash: 'h' };
    const write = () => wh.write((tx) => writeEncodingCell(tx, cell, 'run', Float32Array.of(0.1, 0.2), Float32Array.of(1, 1), []));
    const count = () => wh.all('SELECT count(*) AS n FROM brain_scores JOIN cells USING (cell_id) WHERE step = ? AND layer = ?', [1, 2]);
    await write();
    expect(await count()).toEqual([{ n: 2 }]);
    expect(await count()).toEqual([{ n: 2 }]);
    await write();
    expect(await count()).toEqual([{ n: 2 }]);
    await wh.close();
  });

  it('closes only once the statements in flight finish, refusing new ones meanwhile, then releases the file', async () => {
    // Closing DuckDB's instance under a running statement crashed the process (a segfault, a
    // bad_weak_ptr or a hang): a job's last progress write could still be running at shutdown.
    const path = join(tmp.dir, 'closing.duckdb');
    const wh = await Warehouse.create({ path, cacheEntries: 0 });
    const slowRead = wh.all<{ n: number }>('SELECT count(*) AS n FROM range(200000000) t(i) WHERE i % 7 = 0');
    const slowWrite = wh.write((tx) => tx.run('CREATE TABLE big AS SELECT i FROM range(3000000) t(i)'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const closed = wh.close();
    let released = false;
    void closed.then(() => (released = true));
    expect(wh.close()).toBe(closed);
    const refused = await wh.all('SELECT 1').then(() => null, (e: unknown) => e);
    expect((refused as CortexError).toJSON()).toEqual({ code: 'UNAVAILABLE', message: 'the warehouse is closed (the server is shutting down): retry against a running server', details: {} });
    expect(released).toBe(false);
    expect(await slowRead).toEqual([{ n: Math.ceil(200000000 / 7) }]);
    await slowWrite;
    await closed;
    const again = await Warehouse.create({ path });
    expect(await again.all('SELECT count(*) AS n FROM big')).toEqual([{ n: 3000000 }]);
    await again.close();
  });

  it('refuses a second writer process with WAREHOUSE_LOCKED instead of crashing', async () => {
    const path = join(tmp.dir, 'locked.duckdb');
    const wh = await Warehouse.create({ path });
    await wh.close();
    // A real second process holds the writer lock while this one tries to open the file. The
    // holder must keep its instance reachable: a module-level const that no closure captures is
    // collected once the module body finishes, and the instance's finaliser releases the lock
    // (this made the test flaky). It collects garbage before saying so, so a holder that would
    // lose its lock loses it before the test opens the file, every time.
    const holder = spawn(process.execPath, [
      '--expose-gc',
      '--input-type=module',
      '-e',
      `import { DuckDBInstance } from '@duckdb/node-api';
       globalThis.db = await DuckDBInstance.create(${JSON.stringify(path)});
       globalThis.connection = await globalThis.db.connect();
       await globalThis.connection.run('SELECT 1');
       setTimeout(() => { gc(); console.log('holding'); }, 0);
       setInterval(() => {}, 30000);`,
    ], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      const error = await Warehouse.create({ path }).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(CortexError);
      expect((error as CortexError).toJSON()).toEqual({
        code: 'WAREHOUSE_LOCKED',
        message: `warehouse ${path} is already open for writing by another process (PID ${holder.pid}); DuckDB allows one writer process: stop that process, or send the work through it (a running cortexql server: the CLI goes through its API, \`--server <url> --key <key>\`)`,
        details: { path, pid: holder.pid },
      });
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
