import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../server/app.js';
import { localAuth } from '../../server/auth.js';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { importEvalsFromPath } from '../../services/importEvals.js';
import { jobsByIds } from '../../warehouse/jobsRepo.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { PYTHIA_EVALS } from '../helpers/pythiaFiles.js';
import { writeSyntheticFmri } from '../../bench/syntheticFmri.js';
import { tempDir } from '../helpers/tmp.js';
import { TEST_LIMITS } from '../helpers/server.js';

/** A warehouse with the Pythia evals and a small fMRI study whose encoding job can be started. */
async function buildWarehouse(dir: string): Promise<string> {
  const path = join(dir, 'shutdown.duckdb');
  const wh = await Warehouse.create({ path });
  await importEvalsFromPath(wh, PYTHIA_EVALS);
  const server = await startServer(wh, { host: '127.0.0.1', port: 0, limits: TEST_LIMITS, auth: localAuth('admin'), log: () => {}, importRoots: [dir] });
  const gql = async (query: string, variables?: Record<string, unknown>) => {
    const res = await fetch(server.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: any; errors?: any[] };
    expect(body.errors).toBeUndefined();
  };
  const synth = writeSyntheticFmri(join(dir, 'synth'), { voxels: 3000, dim: 48 });
  await gql(`mutation { registerModel(input: { id: "tiny", tokensPerStep: 1000, finalStep: 300 }) { id } }`);
  await gql(`mutation($m: String!) { importFmri(manifest: $m) { dataset } }`, { m: synth.manifest });
  for (const [layer, file] of synth.featureFiles) {
    await gql(`mutation($i: ImportFeaturesInput!) { importFeatures(input: $i) { dim } }`, { i: { model: 'tiny', step: 100, layer, dataset: 'synth', path: file } });
  }
  await server.close();
  await wh.close();
  return path;
}

describe('graceful shutdown of the production entry point (dist/server/main.js, NODE_ENV unset)', () => {
  const tmp = tempDir();
  let db: string;
  let child: ChildProcess;
  let url: string;
  let stdout = '';
  beforeAll(async () => {
    db = await buildWarehouse(tmp.dir);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_ENV' && !k.startsWith('VITEST')));
    child = spawn(process.execPath, [join(PACKAGE_ROOT, 'dist', 'server', 'main.js'), '--db', db, '--port', '0', '--anonymous', 'writer', '--compute-roles', 'anonymous,writer,admin', '--max-cost', '5000000'], {
      env: { ...env, CORTEXQL_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stdout += d.toString()));
    url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /ready at (http:\/\/[^/\s]+\/)/.exec(stdout);
        if (m) {
          clearInterval(timer);
          resolve(m[1]);
        }
      }, 50);
      child.once('exit', (code) => reject(new Error(`server exited ${code}: ${stdout}`)));
    });
  });
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    tmp.cleanup();
  });

  const gql = async (query: string) => {
    const res = await fetch(`${url}graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
  };

  it('on SIGTERM finishes the in-flight request, requeues the running job, checkpoints the WAL and exits 0', async () => {
    const submitted = await gql(`mutation { computeCells(request: { kind: ENCODING, models: ["tiny"], dataset: "synth" }) { jobs { id status } } }`);
    const jobId: string = submitted.body.data.computeCells.jobs[0].id;
    for (let i = 0; i < 400; i++) {
      if ((await gql(`{ job(id: "${jobId}") { status } }`)).body.data.job.status === 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await gql(`{ job(id: "${jobId}") { status } }`)).body.data.job.status).toBe('RUNNING');

    // A slow request (~1 s of phase detection on the compute pool) is in flight when the signal comes.
    const slow = gql(`{ detectPhases(model: "pythia-160m", signals: [{ kind: TASK, task: "piqa" }, { kind: TASK, task: "lambada_openai" }, { kind: TASK, task: "arc_easy" }],
                         options: { bootstrap: 5000, minSize: 2, kMax: 6 }) { k segments { label } } }`);
    await new Promise((r) => setTimeout(r, 150));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');

    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.detectPhases.k).toBeGreaterThanOrEqual(0);
    expect(await exited).toBe(0);
    expect(stdout).not.toMatch(/error|Error/);

    // The WAL was written into the database file, and the job waits for the next start, its attempt not counted.
    expect(!existsSync(`${db}.wal`) || statSync(`${db}.wal`).size === 0).toBe(true);
    const wh = await Warehouse.create({ path: db, readOnly: true });
    try {
      const [job] = await jobsByIds(wh, [jobId]);
      expect(job).toMatchObject({ status: 'QUEUED', attempts: 0, progress: 0 });
    } finally {
      await wh.close();
    }
  });
});
