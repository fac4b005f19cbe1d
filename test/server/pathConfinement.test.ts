import { execFileSync } from 'node:child_process';
import { copyFileSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticFmri } from '../../bench/syntheticFmri.js';
import { shown } from '../../formats/validation.js';
import { FileAccess } from '../../services/fileAccess.js';
import { importFeaturesNpy } from '../../services/importFmri.js';
import { warehouseFingerprint, type Fingerprint } from '../helpers/fingerprint.js';
import { PYTHIA_EVALS } from '../helpers/pythiaFiles.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

const SECRET = 'root:*:19000:0:99999:7:::';
const EVAL = join(PYTHIA_EVALS, 'pythia-70m', 'zero-shot', '70m_step1000.json');
const IMPORT = 'mutation($p: String!) { importEvals(input: { path: $p }) { files scores models } }';

/**
 * Paths in mutations reach only the operator's import roots: traversal, absolute paths, symbolic
 * links out, FIFOs, /proc and folders where files are needed all get one PATH_NOT_ALLOWED answer
 * that repeats only what the client sent — never file content or where the roots are.
 */
describe('server-side paths are confined to the import roots', () => {
  const tmp = tempDir('cortexql-paths-');
  const root = join(tmp.dir, 'root');
  const outside = join(tmp.dir, 'outside');
  let t: TestServer;
  let off: TestServer;
  let before: Fingerprint;

  beforeAll(async () => {
    mkdirSync(join(root, 'evals'), { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'secret.json'), SECRET);
    copyFileSync(EVAL, join(outside, 'outside_step1000.json'));
    copyFileSync(EVAL, join(root, 'evals', 'inside_step1000.json'));
    symlinkSync(join(outside, 'secret.json'), join(root, 'link-out.json'));
    symlinkSync(join(root, 'evals', 'inside_step1000.json'), join(root, 'link-in.json'));
    symlinkSync(join(outside, 'nothing-here.json'), join(root, 'dangling.json'));
    symlinkSync(outside, join(root, 'evals', 'dir-out'));
    symlinkSync('/proc/self/environ', join(root, 'environ.json'));
    execFileSync('mkfifo', [join(root, 'fifo.npy')]);
    t = await startTestServer({ importRoots: [root] });
    off = await startTestServer({ withPythia: false });
    await t.gql(`mutation { registerModel(input: { id: "m", tokensPerStep: 10 }) { id } }`);
    before = await warehouseFingerprint(t.wh);
  });
  afterAll(async () => {
    await t.close();
    await off.close();
    tmp.cleanup();
  });

  /** Sends a path; returns the error, checking that nothing of the secret or the root's location is in the answer. */
  async function refused(query: string, variables: Record<string, unknown>, sentRoot = false) {
    const res = await t.gql(query, variables);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('root:*');
    expect(text).not.toContain('19000');
    if (!sentRoot) expect(text).not.toContain(tmp.dir);
    expect(res.body.errors, text).toHaveLength(1);
    return res.body.errors![0];
  }

  const refusedPaths = (): [string, string][] => [
    ['traversal out of the root', '../outside/secret.json'],
    ['deeper traversal', 'evals/../../outside/secret.json'],
    ['an absolute path outside', join(outside, 'secret.json')],
    ['an absolute path through the root and out', `${root}/../outside/secret.json`],
    ['/etc/shadow', '/etc/shadow'],
    ['/proc/self/environ', '/proc/self/environ'],
    ['a symbolic link leading out', 'link-out.json'],
    ['a symbolic link to /proc/self/environ', 'environ.json'],
    ['a dangling link', 'dangling.json'],
    ['a missing file', 'missing.json'],
    ['a NUL byte', 'evals/inside_step1000.json\u0000.txt'],
  ];

  it.each(refusedPaths())('importEvals refuses %s with PATH_NOT_ALLOWED', async (_name, path) => {
    const error = await refused(IMPORT, { p: path }, path.startsWith('/') && path.includes(tmp.dir));
    expect(error.extensions.code).toBe('PATH_NOT_ALLOWED');
    // One answer for missing and forbidden: the message is the same but for the path as sent.
    expect(error.message).toBe(`${shown(path, 300)} is not a file or folder inside the import roots (missing, outside them, or not a regular file: the answer is the same for all)`);
  });

  it('answers a missing path and a forbidden one alike, so existence outside cannot be tested', async () => {
    const a = await refused(IMPORT, { p: join(outside, 'secret.json') }, true);
    const b = await refused(IMPORT, { p: join(outside, 'nothing-here.json') }, true);
    expect(a.message.replace('secret', 'X')).toBe(b.message.replace('nothing-here', 'X'));
    expect(a.extensions).toEqual({ code: 'PATH_NOT_ALLOWED', path: JSON.stringify(join(outside, 'secret.json')), reason: expect.any(String) });
  });

  it('reads files inside the root by relative or absolute path, and through links that stay inside', async () => {
    for (const path of ['evals/inside_step1000.json', join(root, 'evals', 'inside_step1000.json'), 'link-in.json']) {
      const { body } = await t.gql(IMPORT, { p: path });
      expect(body.errors, path).toBeUndefined();
      expect(body.data.importEvals).toMatchObject({ files: 1, models: ['pythia-70m'] });
    }
  });

  it('walks a folder without following a link out of the root', async () => {
    const { body } = await t.gql(IMPORT, { p: 'evals' });
    expect(body.errors).toBeUndefined();
    // evals/dir-out leads to the outside folder (which holds outside_step1000.json): not walked.
    expect(body.data.importEvals.files).toBe(1);
  });

  it('reads a hard link inside the root like any file of the root (documented: it is a name of the file there, not a pointer out)', async () => {
    linkSync(join(outside, 'outside_step1000.json'), join(root, 'hardlink_step1000.json'));
    const { body } = await t.gql(IMPORT, { p: 'hardlink_step1000.json' });
    expect(body.errors).toBeUndefined();
    expect(body.data.importEvals.files).toBe(1);
  });

  it('refuses a FIFO at once instead of waiting for a writer (API and CLI)', async () => {
    const started = Date.now();
    const error = await refused('mutation($p: String!) { importFeatures(input: { model: "m", step: 1, layer: 0, dataset: "d", path: $p }) { dim } }', { p: 'fifo.npy' });
    expect(error.extensions.code).toBe('PATH_NOT_ALLOWED');
    const local = await importFeaturesNpy(t.wh, { modelId: 'm', step: 1, layer: 0, datasetId: 'd', path: join(root, 'fifo.npy') }, FileAccess.local()).catch((e: unknown) => e);
    expect(local).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/is not a regular file \(a FIFO, device or socket\)$/) });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a folder where a file is needed', async () => {
    const error = await refused('mutation($p: String!) { importFeatures(input: { model: "m", step: 1, layer: 0, dataset: "d", path: $p }) { dim } }', { p: 'evals' });
    expect(error.extensions.code).toBe('PATH_NOT_ALLOWED');
  });

  it('confines the files an fMRI manifest names to the roots too, without quoting them', async () => {
    const synth = writeSyntheticFmri(join(root, 'fmri'));
    const manifest = JSON.parse(readFileSync(synth.manifest, 'utf8'));
    manifest.runs[0].transcript = '../../outside/secret.json';
    manifest.subjects[0].responses['train-2'] = '/proc/self/environ';
    const lastRun: string = manifest.runs.at(-1).id;
    manifest.subjects[0].responses[lastRun] = { hdf5: '../../outside/secret.json' };
    writeFileSync(synth.manifest, JSON.stringify(manifest));
    const error = await refused('mutation($m: String!) { importFmri(manifest: $m) { dataset } }', { m: 'fmri/manifest.json' });
    expect(error.extensions.code).toBe('IMPORT_FAILED');
    expect(error.extensions.problems).toEqual([
      { where: '../../outside/secret.json', message: 'is not a file inside the import roots (missing, outside them, or not a regular file: the answer is the same for all)' },
      { where: '/proc/self/environ', message: 'is not a file inside the import roots (missing, outside them, or not a regular file: the answer is the same for all)' },
      { where: '../../outside/secret.json:data', message: 'is not a file inside the import roots (missing, outside them, or not a regular file: the answer is the same for all)' },
    ]);
  });

  it('confines checkpoint folders, graphs and tokenizers', async () => {
    for (const [query, variables] of [
      ['mutation($p: String!) { registerCheckpointArtifacts(model: "m", folder: $p) { step } }', { p: '../outside' }],
      ['mutation($p: String!) { registerCheckpointArtifacts(model: "m", tokenizer: $p) { step } }', { p: 'link-out.json' }],
      ['mutation($p: String!) { importBundle(path: $p) { id } }', { p: '/etc' }],
    ] as const) {
      const error = await refused(query, variables);
      expect(['PATH_NOT_ALLOWED', 'IMPORT_FAILED']).toContain(error.extensions.code);
      if (error.extensions.code === 'IMPORT_FAILED') expect(error.extensions.problems[0].message).toMatch(/inside the import roots/);
    }
  });

  it('answers an empty path as a missing argument', async () => {
    const error = await refused(IMPORT, { p: '' });
    expect(error).toMatchObject({ message: 'give a path or documents to import', extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('without import roots, refuses every path and says how to enable them or upload instead', async () => {
    const { body } = await off.gql(IMPORT, { p: EVAL });
    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/server-side paths are off on this server .*upload the file instead \(POST \/uploads, then pass "upload:<id>"\), or ask the operator to allow a folder with --import-root DIR \(CORTEXQL_IMPORT_ROOTS\)$/),
      extensions: { code: 'PATH_NOT_ALLOWED', importRoots: 0 },
    });
  });

  it('wrote nothing through any refused path (the successful imports above replaced the same cells and their files’ provenance)', async () => {
    const after = await warehouseFingerprint(t.wh);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const table of Object.keys(before).filter((x) => !['task_scores', 'checkpoints', 'tasks', 'eval_sources'].includes(x))) expect(after[table], table).toEqual(before[table]);
  });

  it('shows a checkpoint’s artifact without the server’s folders', () => {
    const files = FileAccess.confined([root], null, null);
    expect(files.present(join(root, 'ckpts', 'step100.onnx'))).toBe('ckpts/step100.onnx');
    expect(files.present('/models/elsewhere/step100.onnx')).toBe('step100.onnx');
    expect(FileAccess.local().present('/models/elsewhere/step100.onnx')).toBe('/models/elsewhere/step100.onnx');
  });
});
