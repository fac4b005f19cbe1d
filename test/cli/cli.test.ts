import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect } from 'vitest';
import { DEFAULT_ENCODING_HASH, T_TEST_ENCODING_HASH } from '../../services/encoding.js';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { addSyntheticStudy } from '../helpers/syntheticStudy.js';
import { PYTHIA_EVALS } from '../helpers/pythiaFiles.js';
import { fileRequirement, itWith } from '../helpers/requirements.js';
import { tempDir } from '../helpers/tmp.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');
const BUILT = fileRequirement(CLI, 'the build (npm run build): dist/cli/main.js');
const run = promisify(execFile);

describe('the cortexql command (the built CLI, as `npm run cli` runs it)', () => {
  const tmp = tempDir();
  const db = join(tmp.dir, 'cli.duckdb');
  afterAll(() => tmp.cleanup());
  const cortexql = (...args: string[]) => run(process.execPath, [CLI, ...args, ...(args[0] === 'schema' ? [] : ['--db', db])], { env: { ...process.env, CORTEXQL_DB: '' } });

  itWith(BUILT, 'registers a model and checkpoints, imports evals, and manages keys', async () => {
    const model = await cortexql('register', 'model', 'my-lm', '--tokens-per-step', '1000', '--final-step', '5000');
    expect(JSON.parse(model.stdout)).toMatchObject({ modelId: 'my-lm', family: 'unknown', tokensPerStep: 1000, finalStep: 5000 });
    expect((await cortexql('register', 'checkpoints', 'my-lm', '--steps', '0,1000')).stdout).toBe('registered 2 checkpoints of my-lm\n');
    const file = join(PYTHIA_EVALS, 'pythia-70m', 'zero-shot', '70m_step1000.json');
    const scores = Object.values(JSON.parse(readFileSync(file, 'utf8')).results as Record<string, Record<string, number>>)
      .reduce((n, metrics) => n + Object.keys(metrics).filter((k) => !k.endsWith('_stderr')).length, 0);
    expect((await cortexql('import', 'evals', file, '--model', 'my-lm')).stdout).toBe(`imported ${scores} scores from 1 files: 1 checkpoints of my-lm\n`);
    const created = await cortexql('keys', 'create', 'alice', '--role', 'writer');
    const keyId = /\(key ([0-9a-f]{12}), role writer;/.exec(created.stdout)?.[1];
    expect(created.stdout).toMatch(/^cq_[0-9a-f]{12}_[\w-]{32}\n/);
    expect((await cortexql('keys', 'list')).stdout).toBe(`${keyId}  writer  alice\n`);
  });

  itWith(BUILT, 'computes encoding cells with block permutations by default, and with the t test on --permutations 0', async () => {
    const wh = await Warehouse.create({ path: db });
    try {
      await addSyntheticStudy(wh, tmp.dir, { steps: [100], voxels: 20 });
    } finally {
      await wh.close();
    }
    const encode = (...extra: string[]) => cortexql('compute', 'encoding', '--model', 'tiny', '--step', '100', '--dataset', 'synth', '--layers', '1', ...extra);
    expect((await encode()).stdout).toMatch(new RegExp(`^encoding: 1 cells, 20 voxel scores in [\\d.]+ s on .*, params ${DEFAULT_ENCODING_HASH}\\)\\n$`));
    expect((await encode('--permutations', '0')).stdout).toMatch(new RegExp(`params ${T_TEST_ENCODING_HASH}\\)\\n$`));
    const bad = await encode('--permutations', '0', '--block-trs', '5').then(() => null, (e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2, stderr: 'error [BAD_USER_INPUT]: invalid encoding parameters: blockTrs applies to block permutations only, not to the t test (permutations: 0)\n' });
  });

  itWith(BUILT, 'exits 2 with the error code on bad input, and prints the checked-in schema', async () => {
    const bad = await cortexql('register', 'model', 'bad id!').then(() => null, (e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 2, stderr: 'error [BAD_USER_INPUT]: id: "bad id!" may only hold letters A–Z a–z, digits, \'.\', \'_\', \'-\' and \'/\'\n' });
    expect((await cortexql('schema')).stdout).toBe(readFileSync(join(PACKAGE_ROOT, 'schema.graphql'), 'utf8'));
  });
});
