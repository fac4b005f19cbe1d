import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticFmri } from '../../bench/syntheticFmri.js';
import { gpt2TokenizerJson } from '../../compute/models/gpt2Tokenizer.js';
import { tinyGptWeights } from '../../compute/models/tinyGpt.js';
import { tinyGptOnnx } from '../../compute/models/tinyGptOnnx.js';
import { createRng } from '../../compute/random.js';
import { readFmriDataset } from '../../formats/fmriManifest.js';
import { localAuth } from '../../server/auth.js';
import { exportBundle } from '../../services/bundles.js';
import { importFmri } from '../../services/importFmri.js';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { warehouseFingerprint, type Fingerprint } from '../helpers/fingerprint.js';
import { writeNifti1 } from '../helpers/niftiWriter.js';
import { PYTHIA_EVALS } from '../helpers/pythiaFiles.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';
import { generateImportCases, type ImportCase, type Materials } from './importFuzzCases.js';

/**
 * The import doors under generated hostile input, over real HTTP: eval files and documents, fMRI
 * manifests and their files, features, ONNX checkpoints and tokenizers, bundles, uploads. Every
 * case must get a coded error (never INTERNAL_SERVER_ERROR), leak nothing of the server (its
 * folders, file content, stacks) and write nothing: the warehouse's content fingerprint is the
 * same after all of them.
 */
describe('fuzz: generated malformed imports through every door each get a code and write nothing', () => {
  const tmp = tempDir('cortexql-import-fuzz-');
  const root = join(tmp.dir, 'root');
  let t: TestServer;
  let before: Fingerprint;
  let cases: ImportCase[] = [];

  beforeAll(async () => {
    mkdirSync(root, { recursive: true });
    writeFileSync(join(tmp.dir, 'outside.json'), 'root:*:19000:0:99999:7:::');
    execFileSync('mkfifo', [join(root, 'fifo')]);
    t = await startTestServer({ importRoots: [root], auth: localAuth('writer', 400_000) });
    await t.gql('mutation { registerModel(input: { id: "m", tokensPerStep: 10 }) { id } }');
    const synth = writeSyntheticFmri(join(root, 'fmri-base'));
    await importFmri(t.wh, synth.manifest);
    const materials = await buildMaterials(t, root, tmp.dir, synth);
    cases = await generateImportCases(createRng(20261202), materials);
    before = await warehouseFingerprint(t.wh);
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  it('generates over 300 cases across the import doors', () => {
    expect(cases.length).toBeGreaterThanOrEqual(300);
    const doors = new Set(cases.map((c) => c.label.split(' #')[0]));
    expect([...doors].sort()).toEqual(['archive upload', 'bundle', 'bundle archive', 'checkpoint', 'eval documents', 'eval file', 'fMRI', 'features']);
  });

  it('answers each with a coded error below 500, leaking no server folder, file content or stack', async () => {
    const failures: string[] = [];
    const leaks = [tmp.dir, PACKAGE_ROOT, 'root:*', '19000:0', '    at '];
    for (let i = 0; i < cases.length; i += 4) {
      await Promise.all(cases.slice(i, i + 4).map(async (c, j) => {
        const { status, text, body } = await run(t, root, c, i + j);
        const problem = (what: string) => failures.push(`${c.label}: ${what} (${status}: ${text.slice(0, 300)})`);
        if (status >= 500) problem('server error');
        for (const leak of leaks) if (text.includes(leak)) problem(`leaks ${JSON.stringify(leak)}`);
        const errors = (body as { errors?: { extensions?: { code?: unknown } }[] } | null)?.errors ?? [];
        if (errors.length === 0) problem('no error: the input was accepted');
        for (const e of errors) {
          const code = e.extensions?.code;
          if (typeof code !== 'string') problem('an error without a code');
          else if (code === 'INTERNAL_SERVER_ERROR' || code === 'INTERNAL') problem(code);
        }
      }));
    }
    expect(failures).toEqual([]);
  }, 300_000); // ~325 real imports: about a minute alone, several on a busy 2-core machine

  it('left the warehouse exactly as it was (every table’s content hash)', async () => {
    expect(await warehouseFingerprint(t.wh)).toEqual(before);
  });
});

/** Writes a case's files, sends it, and returns the answer. */
async function run(t: TestServer, root: string, c: ImportCase, index: number): Promise<{ status: number; text: string; body: unknown }> {
  if (c.rawUpload) {
    const res = await fetch(new URL(`/uploads?name=${c.rawUpload.name}`, t.server.url), { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(c.rawUpload.bytes) });
    const text = await res.text();
    return { status: res.status, text, body: JSON.parse(text) };
  }
  const folder = `case-${index}`;
  for (const [name, bytes] of Object.entries(c.files)) {
    mkdirSync(dirname(join(root, folder, name)), { recursive: true });
    writeFileSync(join(root, folder, name), bytes);
  }
  const refs = new Map<string, string>();
  for (const name of Object.keys(c.files)) {
    if (c.via === 'root') continue;
    const up = await t.upload(basename(name), c.files[name]);
    if (up.status !== 201) return { status: up.status, text: JSON.stringify(up.body), body: up.body };
    refs.set(name, up.body.ref);
  }
  const ref = (name: string) => refs.get(name) ?? `${folder}/${name}`;
  const variables = JSON.parse(JSON.stringify(c.variables), (_k, v: unknown) => (typeof v === 'string' && v.startsWith('@') ? ref(v.slice(1)) : v));
  const res = await fetch(t.server.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: c.query, variables }) });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) };
}

/** Valid material for the generators: an eval file, fMRI manifests over files in the root, a checkpoint, a bundle. */
async function buildMaterials(t: TestServer, root: string, scratch: string, synth: ReturnType<typeof writeSyntheticFmri>): Promise<Materials> {
  const evalDoc = JSON.parse(readFileSync(join(PYTHIA_EVALS, 'pythia-70m', 'zero-shot', '70m_step1000.json'), 'utf8'));
  const base = JSON.parse(readFileSync(synth.manifest, 'utf8'));
  const up = (ref: string) => `../fmri-base/${ref}`;
  const fmriManifest = {
    ...base,
    dataset: { ...base.dataset, id: 'fuzz-fmri' },
    runs: base.runs.map((r: { transcript: string }) => ({ ...r, transcript: up(r.transcript) })),
    subjects: base.subjects.map((s: { responses: Record<string, string | string[]>; voxels: string }) => ({
      ...s, voxels: up(s.voxels), responses: Object.fromEntries(Object.entries(s.responses).map(([k, v]) => [k, Array.isArray(v) ? v.map(up) : up(v)])),
    })),
  };
  // A NIfTI subject over the same runs: a 2×2×2 mask, 4D runs of each run's length.
  mkdirSync(join(root, 'nifti-base'), { recursive: true });
  const affine = [[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]];
  writeFileSync(join(root, 'nifti-base', 'mask.nii'), writeNifti1(new Float32Array(8).fill(1), [2, 2, 2], affine));
  const rng = createRng(7);
  for (const n of new Set<number>(base.runs.map((r: { nTrs: number }) => r.nTrs))) {
    writeFileSync(join(root, 'nifti-base', `run${n}.nii`), writeNifti1(Float32Array.from({ length: 8 * n }, () => rng()), [2, 2, 2, n], affine));
  }
  const niftiManifest = {
    ...fmriManifest,
    dataset: { ...fmriManifest.dataset, id: 'fuzz-nifti' },
    subjects: [{ id: 'N01', mask: '../nifti-base/mask.nii', responses: Object.fromEntries(base.runs.map((r: { id: string; nTrs: number }) => [r.id, { nifti: `../nifti-base/run${r.nTrs}.nii` }])) }],
  };
  // The generators damage these; undamaged, both manifests are valid.
  for (const [name, manifest] of [['fmri-check', fmriManifest], ['nifti-check', niftiManifest]] as const) {
    mkdirSync(join(root, name), { recursive: true });
    writeFileSync(join(root, name, 'manifest.json'), JSON.stringify(manifest));
    const problems: { where: string; message: string }[] = [];
    expect(await readFmriDataset(join(root, name, 'manifest.json'), problems), JSON.stringify(problems)).not.toBeNull();
  }
  const tokenizer = gpt2TokenizerJson({ merges: 500 });
  const vocabSize = Object.keys((tokenizer as { model: { vocab: Record<string, number> } }).model.vocab).length;
  const onnx = tinyGptOnnx(tinyGptWeights({ vocabSize, dModel: 16, nLayers: 2, nHeads: 2, dFF: 32, maxPositions: 64, seed: 3 }));
  const exported = await exportBundle(t.wh, { where: { models: ['pythia-70m'], datasets: [] }, exportDir: join(scratch, 'export') });
  const bundle = Object.fromEntries(readdirSync(exported.folder).map((f) => [f, new Uint8Array(readFileSync(join(exported.folder, f)))]));
  let n = 0;
  const parquet = async (file: string, select: string) => {
    const out = join(scratch, `rewritten-${n++}.parquet`);
    const src = join(exported.folder, file).replaceAll("'", "''");
    await t.wh.all(`COPY (WITH src AS (SELECT * FROM read_parquet('${src}')) ${select}) TO '${out.replaceAll("'", "''")}' (FORMAT parquet)`, [], { cache: false });
    return new Uint8Array(readFileSync(out));
  };
  return { evalDoc, fmriManifest, niftiManifest, features: { nWords: synth.nWords, dim: 6 }, onnx, tokenizer, bigTokenizer: gpt2TokenizerJson(), bundle, parquet };
}
