import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComputeAccess, parseComputeRoles, parseQuota, UNRESTRICTED_COMPUTE, type ComputePrincipal } from '../../services/cells/computeAccess.js';
import { jobsByIds } from '../../warehouse/jobsRepo.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { tempDir } from '../helpers/tmp.js';

const KEY: ComputePrincipal = { role: 'reader', anonymous: false, bucket: 'key:k1' };

describe('compute quotas: jobs at once and compute seconds per hour, from the jobs table', () => {
  const tmp = tempDir();
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await Warehouse.create({ path: join(tmp.dir, 'quota.duckdb') });
  });
  afterAll(async () => {
    await wh.close();
    tmp.cleanup();
  });

  /** A job row as the Scheduler leaves it: status, and when it started and finished (minutes ago). */
  const job = (id: string, status: string, startedAgo: number | null, finishedAgo: number | null) =>
    wh.write((tx) =>
      tx.run(
        `INSERT INTO jobs (job_id, cell_key, kind, status, spec_json, started, finished)
         VALUES (?, ?, 'encoding', ?, '{}', current_timestamp::TIMESTAMP - to_minutes(?::BIGINT), current_timestamp::TIMESTAMP - to_minutes(?::BIGINT))`,
        [id, id, status, startedAgo, finishedAgo],
      ), { dataChange: false });

  it('refuses a key whose jobs ran its compute seconds this hour, saying when the window frees up', async () => {
    const access = new ComputeAccess({ roles: UNRESTRICTED_COMPUTE.roles, quotas: { ...UNRESTRICTED_COMPUTE.quotas, reader: { jobs: 10, cpuSecondsPerHour: 1200 } } }, (ids) => jobsByIds(wh, ids));
    expect(await access.start(KEY, 'job_a')).toEqual({ kind: 'allowed' });
    // job_a ran 30 minutes, from 40 to 10 minutes ago: 1800 s of this hour's 1200.
    await job('job_a', 'SUCCEEDED', 40, 10);
    const refused = await access.start(KEY, 'job_b');
    expect(refused.kind).toBe('quota');
    if (refused.kind !== 'quota') return;
    // The window [t − 60 min, t] holds 50 min − Δ of it at t = now + Δ (Δ ≥ 20 min): under 1200 s after Δ = 30 min.
    expect(refused.error.details.retryAfterSeconds).toBeGreaterThan(1790);
    expect(refused.error.details.retryAfterSeconds).toBeLessThan(1810);
    expect(refused.reason).toMatch(/^not computed: compute quota used up \(1800 of 1200 compute seconds this hour\); retry in 18\d\d s$/);
    // Another key is not affected.
    expect(await access.start({ ...KEY, bucket: 'key:k2' }, 'job_b')).toEqual({ kind: 'allowed' });
  });

  it('counts jobs queued or running at once; finished ones free their place', async () => {
    const access = new ComputeAccess({ roles: UNRESTRICTED_COMPUTE.roles, quotas: { ...UNRESTRICTED_COMPUTE.quotas, reader: { jobs: 2, cpuSecondsPerHour: 36_000 } } }, (ids) => jobsByIds(wh, ids));
    const who = { ...KEY, bucket: 'key:k3' };
    expect((await access.start(who, 'job_c')).kind).toBe('allowed');
    expect((await access.start(who, 'job_d')).kind).toBe('allowed');
    await job('job_c', 'RUNNING', 1, null);
    await job('job_d', 'QUEUED', null, null);
    const refused = await access.start(who, 'job_e');
    expect(refused).toMatchObject({ kind: 'quota', reason: 'not computed: compute quota used up (2 of 2 jobs queued or running); retry in 30 s' });
    await wh.write((tx) => tx.run("UPDATE jobs SET status = 'SUCCEEDED', finished = current_timestamp WHERE job_id = 'job_d'"), { dataChange: false });
    expect((await access.start(who, 'job_e')).kind).toBe('allowed');
  });

  it('decides concurrent requests one at a time, so a quota cannot be overdrawn', async () => {
    const access = new ComputeAccess({ roles: UNRESTRICTED_COMPUTE.roles, quotas: { ...UNRESTRICTED_COMPUTE.quotas, reader: { jobs: 3, cpuSecondsPerHour: 36_000 } } }, (ids) => jobsByIds(wh, ids));
    // Each job is queued as soon as it is allowed (as the Scheduler does): here, before the requests arrive.
    for (let i = 0; i < 10; i++) await job(`job_x${i}`, 'QUEUED', null, null);
    const who = { ...KEY, bucket: 'key:k4' };
    const decisions = await Promise.all(Array.from({ length: 10 }, (_, i) => access.start(who, `job_x${i}`)));
    expect(decisions.filter((d) => d.kind === 'allowed')).toHaveLength(3);
  });

  it('refuses roles that may not compute, with the reason a cell shows', async () => {
    const access = new ComputeAccess({ roles: parseComputeRoles('writer,admin'), quotas: UNRESTRICTED_COMPUTE.quotas }, (ids) => jobsByIds(wh, ids));
    expect(await access.start(KEY, 'job_z')).toEqual({ kind: 'refused', reason: 'not computed: role reader reads stored cells only on this server (--compute-roles)' });
    expect(access.refusal({ role: 'reader', anonymous: true, bucket: 'ip:1' })).toBe(
      'not computed: requests without an API key read stored cells only on this server (a key with role writer, admin may start computations)',
    );
    expect(access.refusal({ role: 'admin', anonymous: false, bucket: 'key:a' })).toBeNull();
  });

  it('parses roles and quotas from the configuration, refusing what it cannot read', () => {
    expect(parseComputeRoles('none')).toEqual([]);
    expect(parseComputeRoles('anonymous, reader')).toEqual(['anonymous', 'reader']);
    expect(() => parseComputeRoles('readers')).toThrow(/compute roles must be 'none' or a comma-separated list of anonymous, reader, writer, admin/);
    expect(parseQuota('16/3600', 'q')).toEqual({ jobs: 16, cpuSecondsPerHour: 3600 });
    expect(parseQuota('none', 'q')).toBeNull();
    expect(() => parseQuota('16', 'CORTEXQL_QUOTA_READER')).toThrow(/CORTEXQL_QUOTA_READER must be '<jobs at once>\/<compute seconds per hour>'/);
  });
});
