import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { Scheduler } from '../../services/jobs/Scheduler.js';
import { importFeaturesNpy, importFmri } from '../../services/importFmri.js';
import { registerModel } from '../../services/registry.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { writeSyntheticFmri } from '../../bench/syntheticFmri.js';
import { fileRequirement, itWith } from '../helpers/requirements.js';
import { tempDir } from '../helpers/tmp.js';

const BUILT = fileRequirement(join(PACKAGE_ROOT, 'dist', 'services', 'jobs', 'fitWorker.js'), 'the build (npm run build): dist/services/jobs/fitWorker.js');

describe('jobs survive crashes: kill -9 mid-job leaves no partial cells, and a restart resumes', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  itWith(BUILT, 'writes nothing from a killed job and completes it after a restart', async () => {
    const db = join(tmp.dir, 'jobs.duckdb');
    const synth = writeSyntheticFmri(join(tmp.dir, 'synth'), { voxels: 3000, dim: 24 });
    const setup = await Warehouse.create({ path: db });
    await registerModel(setup, { modelId: 'tiny', tokensPerStep: 1000, finalStep: 100 });
    await importFmri(setup, synth.manifest);
    for (const [layer, path] of synth.featureFiles) await importFeaturesNpy(setup, { modelId: 'tiny', step: 100, layer, datasetId: 'synth', path });
    await setup.close();

    // A child process runs the job; kill it the moment the first of its two cells is done.
    const child = spawn(process.execPath, [join(PACKAGE_ROOT, 'test', 'helpers', 'jobChild.mjs'), db], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/progress 1\/2/.test(output)) {
          child.kill('SIGKILL');
          resolve();
        }
        if (/finished/.test(output)) reject(new Error(`the job finished before it could be killed: ${output}`));
      });
    });
    await new Promise((r) => child.once('exit', r));

    const wh = await Warehouse.create({ path: db });
    try {
      expect(await wh.all('SELECT count(*) AS n FROM brain_scores', [], { cache: false })).toEqual([{ n: 0 }]);
      expect(await wh.all('SELECT count(*) AS n FROM brain_score_summary', [], { cache: false })).toEqual([{ n: 0 }]);
      expect(await wh.all('SELECT count(*) AS n FROM cells', [], { cache: false })).toEqual([{ n: 0 }]);
      expect(await wh.all('SELECT count(*) AS n FROM runs', [], { cache: false })).toEqual([{ n: 0 }]);
      expect(await wh.all('SELECT status FROM jobs', [], { cache: false })).toEqual([{ status: 'RUNNING' }]);

      const scheduler = new Scheduler(wh, { workers: 1 });
      expect(await scheduler.resume()).toBe(1);
      const id = /submitted (\S+)/.exec(output)![1];
      const done = await scheduler.wait(id, 120_000);
      // Restarts after a crash are not failures: attempts count failures only (the job never failed).
      expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 0 });
      expect(await wh.all('SELECT count(*) AS n FROM brain_scores', [], { cache: false })).toEqual([{ n: 2 * 3000 }]);
      await scheduler.close();
    } finally {
      await wh.close();
    }
  });
});
