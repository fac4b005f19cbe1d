import { randInt, type Rng } from '../../compute/random.js';
import { gemmModelBytes } from '../../compute/linalg/onnxGemmModel.js';
import { writeNifti1 } from '../helpers/niftiWriter.js';
import { edited, HOSTILE_IDS, HOSTILE_NAMES, HOSTILE_REVISIONS, npy, npyWithHeader, pick, randomBytes, truncated, withInfiniteLiteral } from '../helpers/malformed.js';
import { tarBytes } from '../helpers/tarBytes.js';

/**
 * Generated malformed input for every import door: eval files and documents, fMRI manifests and
 * every file they name (transcripts, NPY and NIfTI runs, masks, ROIs), feature matrices, ONNX
 * graphs, tokenizers, bundles (archives, manifests, Parquet) and uploads. Each case is built to
 * break a rule, so the only right answer is a coded error and an unchanged warehouse.
 */
export interface ImportCase {
  readonly label: string;
  /** Files of the case, relative to its folder. */
  readonly files: Readonly<Record<string, Uint8Array | string>>;
  /** Where its files are: inside the import root (`case-N/…`), or sent by POST /uploads (`upload:<id>`). */
  readonly via: 'root' | 'upload';
  readonly query: string;
  /** '@name' stands for the case's file `name` (its root path or upload ref). */
  readonly variables: Readonly<Record<string, unknown>>;
  /** A bare upload (hostile archives): POSTed, answered 4xx. */
  readonly rawUpload?: { readonly name: string; readonly bytes: Uint8Array };
}

/** Valid material the cases start from (all made by the test, in its temp folders). */
export interface Materials {
  readonly evalDoc: Record<string, unknown>;
  /** The synthetic fMRI manifest, its file refs pointing into the root's `fmri-base/` from a case folder. */
  readonly fmriManifest: Record<string, any>;
  /** A NIfTI dataset manifest over the root's `nifti-base/`. */
  readonly niftiManifest: Record<string, any>;
  readonly features: { readonly nWords: number; readonly dim: number };
  readonly onnx: Uint8Array;
  readonly tokenizer: Record<string, unknown>;
  /** Too many tokens for `onnx`'s embedding. */
  readonly bigTokenizer: Record<string, unknown>;
  /** A valid bundle's files (name → bytes); bundle cases damage copies of it. */
  readonly bundle: Readonly<Record<string, Uint8Array>>;
  /** Parquet files rewritten by DuckDB: (source table file, SELECT over `src`) → bytes. */
  readonly parquet: (file: string, select: string) => Promise<Uint8Array>;
}

const IMPORT_EVALS = 'mutation($p: String!) { importEvals(input: { path: $p }) { files } }';
const IMPORT_DOCS = 'mutation($i: ImportEvalsInput!) { importEvals(input: $i) { files } }';
const IMPORT_FMRI = 'mutation($m: String!) { importFmri(manifest: $m) { dataset } }';
const IMPORT_FEATURES = 'mutation($i: ImportFeaturesInput!) { importFeatures(input: $i) { dim } }';
const REGISTER = 'mutation($a: [ArtifactInput!], $f: String, $t: String, $l: [String!]) { registerCheckpointArtifacts(model: "m", artifacts: $a, folder: $f, tokenizer: $t, layersManifest: $l) { step } }';
const IMPORT_BUNDLE = 'mutation($p: String!) { importBundle(path: $p) { id } }';

const json = (v: unknown) => JSON.stringify(v);

function evalCases(rng: Rng, m: Materials, n: number): ImportCase[] {
  const doc = m.evalDoc as { results: Record<string, Record<string, number>>; config: { model_args: string } };
  const firstTask = Object.keys(doc.results).find((t) => 'acc' in doc.results[t] && 'acc_stderr' in doc.results[t])!;
  const text = json(doc);
  const damage: (() => [string, string | Uint8Array])[] = [
    () => ['truncated JSON', truncated(rng, Buffer.from(text))],
    () => ['random bytes', randomBytes(rng)],
    () => ['empty file', ''],
    // Blank names are no name: the file's other model fields would be used, so only non-blank ones here.
    () => ['a hostile model name', json(edited(doc, (d) => (d.config.model_args = `pretrained=${pick(rng, HOSTILE_IDS.filter((x) => x.trim() !== ''))},revision=step1000`)))],
    () => ['a revision that is no step', json(edited(doc, (d) => (d.config.model_args = `pretrained=EleutherAI/pythia-70m,revision=${pick(rng, HOSTILE_REVISIONS)}`)))],
    () => ['a hostile task name', json(edited(doc, (d) => (d.results[pick(rng, HOSTILE_NAMES)] = d.results[firstTask])))],
    () => ['a hostile metric name', json(edited(doc, (d) => (d.results[firstTask][pick(rng, HOSTILE_NAMES.filter((x) => !x.endsWith(' ')))] = 0.5)))],
    () => ['a value of 1e400', withInfiniteLiteral(doc, 'acc')],
    () => ['a negative stderr', json(edited(doc, (d) => (d.results[firstTask].acc_stderr = -1 - randInt(rng, 5))))],
    () => ['results that are no object', json(edited(doc, (d) => ((d as Record<string, unknown>).results = pick(rng, [[], 'x', 5, null]))))],
    () => ['a document that is no object', json(pick(rng, [[], 5, 'x', null, [doc]]))],
    () => ['no metrics at all', json(edited(doc, (d) => (d.results = {})))],
  ];
  return Array.from({ length: n }, (_, i) => {
    const [what, bytes] = pick(rng, damage)();
    return { label: `eval file #${i}: ${what}`, files: { 'r_step1000.json': bytes }, via: i % 3 === 2 ? 'upload' : 'root', query: IMPORT_EVALS, variables: { p: '@r_step1000.json' } };
  });
}

function evalDocumentCases(rng: Rng, m: Materials, n: number): ImportCase[] {
  const make: (() => [string, Record<string, unknown>])[] = [
    () => ['a hostile file name', { documents: [{ fileName: pick(rng, [...HOSTILE_NAMES.filter((x) => x.length < 200), '', 'x'.repeat(1001)]), content: m.evalDoc }] }],
    () => ['a hostile model override', { documents: [{ fileName: 'a_step1.json', content: m.evalDoc }], model: pick(rng, [...HOSTILE_IDS, 'a/../b', '/abs']) }],
    () => ['a negative step override', { documents: [{ fileName: 'a.json', content: m.evalDoc }], step: -1 - randInt(rng, 1000) }],
    () => ['a step override beyond 2^31 − 1', { documents: [{ fileName: 'a.json', content: m.evalDoc }], step: 2 ** 31 + randInt(rng, 1000) }],
    () => ['content without results', { documents: [{ fileName: 'a_step1.json', content: { config: {} } }] }],
    () => ['no documents', { documents: [] }],
    () => ['path and documents together', { documents: [{ fileName: 'a.json', content: m.evalDoc }], path: 'x' }],
  ];
  return Array.from({ length: n }, (_, i) => {
    const [what, input] = pick(rng, make)();
    return { label: `eval documents #${i}: ${what}`, files: {}, via: 'root', query: IMPORT_DOCS, variables: { i: input } };
  });
}

function fmriCases(rng: Rng, m: Materials, n: number): ImportCase[] {
  const base = m.fmriManifest;
  const run = () => randInt(rng, base.runs.length);
  const badRef = () => pick(rng, ['../../outside.json', '/etc/passwd', '/proc/self/environ', 'missing.json', '../fmri-base', '../fifo']);
  const damage: (() => [string, Record<string, Uint8Array | string>])[] = [
    () => ['truncated manifest', { 'manifest.json': truncated(rng, Buffer.from(json(base))) }],
    () => ['a hostile trSeconds', { 'manifest.json': json(edited(base, (d) => (d.dataset.trSeconds = pick(rng, [1e308, 0, -2, 1e-9, 61, '2', null])))) }],
    () => ['a hostile dataset id', { 'manifest.json': json(edited(base, (d) => (d.dataset.id = pick(rng, HOSTILE_IDS)))) }],
    () => ['duplicate subject ids', { 'manifest.json': json(edited(base, (d) => d.subjects.push(structuredClone(d.subjects[0])))) }],
    () => ['a hostile subject id', { 'manifest.json': json(edited(base, (d) => (d.subjects[0].id = pick(rng, HOSTILE_IDS)))) }],
    () => ['a hostile run id', { 'manifest.json': json(edited(base, (d) => (d.runs[run()].id = pick(rng, HOSTILE_IDS)))) }],
    () => ['an unknown split', { 'manifest.json': json(edited(base, (d) => (d.runs[run()].split = pick(rng, ['dev', '', 'TRAIN'])))) }],
    () => ['a hostile nTrs', { 'manifest.json': json(edited(base, (d) => (d.runs[run()].nTrs = pick(rng, [0, -1, 1.5, 1e10, '60'])))) }],
    () => ['a transcript outside the root or no file', { 'manifest.json': json(edited(base, (d) => (d.runs[run()].transcript = badRef()))) }],
    () => ['a response outside the root or no file', { 'manifest.json': json(edited(base, (d) => (d.subjects[0].responses[d.runs[0].id] = badRef()))) }],
    () => ['a hostile ROI name', { 'manifest.json': json(edited(base, (d) => (d.subjects[0].rois = { [pick(rng, HOSTILE_NAMES)]: 'roi.npy' }))), 'roi.npy': npy([2], () => 1) }],
    () => ['ROI indices outside the voxels', { 'manifest.json': json(edited(base, (d) => (d.subjects[0].rois = { AC: 'roi.npy' }))), 'roi.npy': npy([1], () => 1e6 + randInt(rng, 1000)) }],
    () => ['another format', { 'manifest.json': json(edited(base, (d) => (d.format = pick(rng, ['cortexql-fmri/2', '', 1])))) }],
    () => ['one run only', { 'manifest.json': json(edited(base, (d) => (d.runs = d.runs.slice(0, 1)))) }],
    () => ['an unknown field', { 'manifest.json': json(edited(base, (d) => (d.dataset.extra = true))) }],
    () => ['a damaged transcript', { 'manifest.json': json(edited(base, (d) => (d.runs[0].transcript = 't.json'))), 't.json': pick(rng, [truncated(rng, Buffer.from('{"words": [{"word": "a", "onset": 0, "offset": 0.4}]}')), '{"words": []}', '{"words": [{"word": "a", "onset": 5, "offset": 1}]}', randomBytes(rng)]) }],
    () => ['a damaged response matrix', { 'manifest.json': json(edited(base, (d) => (d.subjects[0].responses[d.runs[0].id] = 'r.npy'))), 'r.npy': pick(rng, [truncated(rng, npy([60, 40])), npyWithHeader(rng, npy([60, 40])), npy([60 * 40]), npy([59, 40]), npy([60, 40], (i) => (i === 7 ? NaN : 1)), npy([60, 0])]) }],
  ];
  const nifti = m.niftiManifest;
  const mask = (fill: number, dims = [2, 2, 2]) => writeNifti1(new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(fill), dims, [[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]]);
  const niftiDamage: (() => [string, Record<string, Uint8Array | string>])[] = [
    () => ['an empty NIfTI mask', { 'manifest.json': json(edited(nifti, (d) => (d.subjects[0].mask = 'mask.nii'))), 'mask.nii': mask(0) }],
    // A mask labelled −1 is no damage: a voxel is in the mask where it is non-zero (nibabel), tested in test/formats/fmriFiles.test.ts.
    () => ['a NIfTI mask of negative zeros (selects nothing)', { 'manifest.json': json(edited(nifti, (d) => (d.subjects[0].mask = 'mask.nii'))), 'mask.nii': mask(-0) }],
    () => ['a mask in another space', { 'manifest.json': json(edited(nifti, (d) => (d.subjects[0].mask = 'mask.nii'))), 'mask.nii': mask(1, [3, 2, 2]) }],
    () => ['a mask that is no NIfTI', { 'manifest.json': json(edited(nifti, (d) => (d.subjects[0].mask = 'mask.nii'))), 'mask.nii': pick(rng, [randomBytes(rng), truncated(rng, mask(1)), '']) }],
    () => ['NIfTI responses without a mask', { 'manifest.json': json(edited(nifti, (d) => delete d.subjects[0].mask)) }],
    () => ['a NIfTI run of other length', { 'manifest.json': json(edited(nifti, (d) => (d.subjects[0].responses[d.runs[0].id] = { nifti: 'run.nii' }))), 'run.nii': writeNifti1(new Float32Array(8 * 3).fill(1), [2, 2, 2, 3], [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]) }],
  ];
  return Array.from({ length: n }, (_, i) => {
    const [what, files] = i % 4 === 3 ? pick(rng, niftiDamage)() : pick(rng, damage)();
    return { label: `fMRI #${i}: ${what}`, files, via: 'root', query: IMPORT_FMRI, variables: { m: '@manifest.json' } };
  });
}

function featureCases(rng: Rng, m: Materials, n: number): ImportCase[] {
  const { nWords, dim } = m.features;
  const valid = npy([nWords, dim]);
  const input = (extra: Record<string, unknown> = {}) => ({ i: { model: 'm', step: 7, layer: 1, dataset: 'synth', path: '@f.npy', ...extra } });
  const damage: (() => [string, Uint8Array | string, Record<string, unknown>])[] = [
    () => ['truncated NPY', truncated(rng, valid), input()],
    () => ['an NPY header that lies', npyWithHeader(rng, valid), input()],
    () => ['random bytes', randomBytes(rng), input()],
    () => ['an empty file', '', input()],
    () => ['a 1-D array', npy([nWords * dim]), input()],
    () => ['a 3-D array', npy([nWords, dim, 1]), input()],
    () => ['an n×0 matrix', npy([nWords, 0]), input()],
    () => ['a 0×d matrix', npy([0, dim]), input()],
    () => ['rows other than the words', npy([nWords - 1 - randInt(rng, 10), dim]), input()],
    () => {
      const [at, bad] = [randInt(rng, nWords * dim), pick(rng, [NaN, Infinity, -Infinity])];
      return ['NaN or Inf values', npy([nWords, dim], (i) => (i === at ? bad : 0.1)), input()];
    },
    () => ['a negative step', valid, input({ step: -1 - randInt(rng, 100) })],
    () => ['a layer beyond 32767', valid, input({ layer: 32_768 + randInt(rng, 1000) })],
    () => ['a hostile model id', valid, input({ model: pick(rng, HOSTILE_IDS) })],
    () => ['a hostile dataset id', valid, input({ dataset: pick(rng, HOSTILE_IDS) })],
    () => ['an unknown dataset', valid, input({ dataset: 'nope' })],
    () => ['a step beyond 2^31 − 1', valid, input({ step: 2 ** 31 })],
  ];
  return Array.from({ length: n }, (_, i) => {
    const [what, bytes, variables] = pick(rng, damage)();
    return { label: `features #${i}: ${what}`, files: { 'f.npy': bytes }, via: i % 3 === 1 ? 'upload' : 'root', query: IMPORT_FEATURES, variables };
  });
}

function checkpointCases(rng: Rng, m: Materials, n: number): ImportCase[] {
  const art = (step: number = 100) => ({ a: [{ step, path: '@step100.onnx' }] });
  const damage: (() => [string, Record<string, Uint8Array | string>, Record<string, unknown>])[] = [
    () => ['random bytes as ONNX', { 'step100.onnx': randomBytes(rng) }, art()],
    () => ['an empty ONNX file', { 'step100.onnx': '' }, art()],
    () => ['a truncated ONNX graph', { 'step100.onnx': Buffer.from(m.onnx.subarray(0, randInt(rng, Math.floor(m.onnx.length * 0.9)))) }, art()],
    () => ['a graph that is no decoder', { 'step100.onnx': gemmModelBytes('float32', false, false) }, art()],
    () => ['a negative step', { 'step100.onnx': m.onnx }, art(-1 - randInt(rng, 9))],
    () => ['a folder without step names', { 'x/model.onnx': m.onnx }, { f: '@x' }],
    () => ['a tokenizer of random bytes', { 'step100.onnx': m.onnx, 'tokenizer.json': randomBytes(rng) }, { ...art(), t: '@tokenizer.json' }],
    () => ['a truncated tokenizer', { 'step100.onnx': m.onnx, 'tokenizer.json': truncated(rng, Buffer.from(json(m.tokenizer))) }, { ...art(), t: '@tokenizer.json' }],
    () => ['JSON that is no tokenizer', { 'step100.onnx': m.onnx, 'tokenizer.json': pick(rng, ['{}', '[]', '5', '{"model": {}}']) }, { ...art(), t: '@tokenizer.json' }],
    () => ['a tokenizer larger than the embedding', { 'step100.onnx': m.onnx, 'tokenizer.json': json(m.bigTokenizer) }, { ...art(), t: '@tokenizer.json' }],
    () => ['a layers manifest naming no tensors', { 'step100.onnx': m.onnx }, { ...art(), l: [pick(rng, ['nope', '', 'x'.repeat(300)])] }],
  ];
  return Array.from({ length: n }, (_, i) => {
    const [what, files, variables] = pick(rng, damage)();
    const via = i % 3 === 0 && !('f' in variables) ? 'upload' : 'root';
    return { label: `checkpoint #${i}: ${what}`, files, via, query: REGISTER, variables };
  });
}

/** Hostile archives: as bundles inside the root, and as raw uploads. */
function archiveCases(rng: Rng, n: number): ImportCase[] {
  const make: (() => [string, Buffer])[] = [
    () => ['a symlinked manifest', tarBytes([{ path: 'b/manifest.json', type: 'SymbolicLink', linkpath: pick(rng, ['/etc/shadow', '../../../etc/passwd']) }])],
    () => ['a hard-linked manifest', tarBytes([{ path: 'b/x', body: 'x' }, { path: 'b/manifest.json', type: 'Link', linkpath: pick(rng, ['/etc/passwd', 'b/x']) }])],
    () => ['a .. entry', tarBytes([{ path: `${'../'.repeat(1 + randInt(rng, 4))}escape.json`, body: '{}' }])],
    () => ['an absolute entry', tarBytes([{ path: pick(rng, ['/tmp/x.json', '/etc/cron.d/x']), body: 'x' }])],
    () => ['a FIFO or device entry', tarBytes([{ path: 'p', type: pick(rng, ['FIFO', 'CharacterDevice'] as const) }])],
    () => ['no tar at all', randomBytes(rng, 600 + randInt(rng, 3000))],
    () => ['an empty archive', Buffer.alloc(0)],
    () => ['a truncated archive', tarBytes([{ path: 'b/manifest.json', body: 'x'.repeat(2000 + randInt(rng, 3000)) }]).subarray(0, 512 * (1 + randInt(rng, 4)))],
  ];
  return Array.from({ length: n }, (_, i): ImportCase => {
    const [what, bytes] = pick(rng, make)();
    return i % 2 === 0
      ? { label: `archive upload #${i}: ${what}`, files: {}, via: 'upload', query: '', variables: {}, rawUpload: { name: 'bundle.tar', bytes } }
      : { label: `bundle archive #${i}: ${what}`, files: { 'bundle.tar': bytes }, via: 'root', query: IMPORT_BUNDLE, variables: { p: '@bundle.tar' } };
  });
}

/** Bundles whose manifest or rows break a rule (checksums kept consistent where the rows are the point). */
async function bundleCases(rng: Rng, m: Materials, n: number): Promise<ImportCase[]> {
  const manifest = JSON.parse(Buffer.from(m.bundle['manifest.json']).toString('utf8')) as { files: { table: string; file: string; rows: number; sha256: string }[]; schemaVersion: number; format: string };
  const { createHash } = await import('node:crypto');
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  /** The bundle with `file` replaced by `bytes` and the manifest's checksum (and rows) updated. */
  const withFile = (file: string, bytes: Uint8Array, rows?: number) => ({
    ...m.bundle, [file]: bytes,
    'manifest.json': json(edited(manifest, (d) => { const f = d.files.find((x) => x.file === file)!; f.sha256 = sha(bytes); if (rows !== undefined) f.rows = rows; })),
  });
  const withManifest = (edit: (d: typeof manifest) => void) => ({ ...m.bundle, 'manifest.json': json(edited(manifest, edit)) });
  const ts = 'task_scores.parquet';
  const rowEdits: [string, string][] = [
    ['a NaN value', `SELECT model_id, step, task, metric, CASE WHEN row_number() OVER () = 1 THEN 'NaN'::DOUBLE ELSE value END AS value, stderr, source, imported_at FROM src`],
    ['an infinite stderr', `SELECT model_id, step, task, metric, value, CASE WHEN row_number() OVER () = 3 THEN 'Infinity'::DOUBLE ELSE stderr END AS stderr, source, imported_at FROM src`],
    ['a negative step', `SELECT model_id, CASE WHEN row_number() OVER () = 2 THEN -5 ELSE step END AS step, task, metric, value, stderr, source, imported_at FROM src`],
    ['scores of a model without a model row', `SELECT 'ghost-model' AS model_id, step, task, metric, value, stderr, source, imported_at FROM src`],
    ['a hostile model id', `SELECT '..' AS model_id, step, task, metric, value, stderr, source, imported_at FROM src`],
    ['a hostile task name', `SELECT model_id, step, chr(10) || task AS task, metric, value, stderr, source, imported_at FROM src`],
    ['an empty metric name', `SELECT model_id, step, task, '' AS metric, value, stderr, source, imported_at FROM src`],
    ['a step as text (mistyped Parquet)', `SELECT model_id, step::VARCHAR AS step, task, metric, value, stderr, source, imported_at FROM src`],
    ['a column missing', `SELECT model_id, step, task, metric, value, source, imported_at FROM src`],
  ];
  const cases: ImportCase[] = [];
  for (let i = 0; i < n; i++) {
    let what: string;
    let files: Record<string, Uint8Array | string>;
    switch (randInt(rng, 4)) {
      case 0: {
        const [label, select] = pick(rng, rowEdits);
        what = label;
        files = withFile(ts, await m.parquet(ts, select));
        break;
      }
      case 1: {
        what = pick(rng, ['random bytes as Parquet', 'a truncated Parquet file']);
        files = withFile(ts, what.startsWith('random') ? randomBytes(rng) : truncated(rng, m.bundle[ts]));
        break;
      }
      case 2: {
        const f = manifest.files[randInt(rng, manifest.files.length)];
        what = `a row count that is not ${f.table}'s`;
        files = withManifest((d) => (d.files.find((x) => x.file === f.file)!.rows += 1 + randInt(rng, 5)));
        break;
      }
      default: {
        const kinds: [string, () => Record<string, Uint8Array | string>][] = [
          ['a truncated manifest', () => ({ ...m.bundle, 'manifest.json': truncated(rng, m.bundle['manifest.json']) })],
          ['another format', () => withManifest((d) => (d.format = 'cortexql-bundle/9'))],
          ['another schema version', () => withManifest((d) => (d.schemaVersion += 1))],
          ['a file that is not there', () => withManifest((d) => d.files.push({ ...d.files[0], file: 'ghost.parquet', table: 'checkpoints' }))],
          ['a checksum that does not match', () => withManifest((d) => (d.files[0].sha256 = '0'.repeat(64)))],
          ['an unknown table', () => withManifest((d) => (d.files[0].table = pick(rng, ['api_keys', 'jobs', 'nope'])))],
          ['a file name with a path', () => withManifest((d) => (d.files[0].file = pick(rng, ['../models.parquet', '/etc/passwd', 'a/b.parquet'])))],
          ['no manifest', () => Object.fromEntries(Object.entries(m.bundle).filter(([k]) => k !== 'manifest.json'))],
        ];
        const [label, make] = pick(rng, kinds);
        what = label;
        files = make();
      }
    }
    const prefixed = Object.fromEntries(Object.entries(files).map(([k, v]) => [`b/${k}`, v]));
    cases.push({ label: `bundle #${i}: ${what}`, files: prefixed, via: 'root', query: IMPORT_BUNDLE, variables: { p: '@b' } });
  }
  return cases;
}

/** Every door's generated cases, from one seed. */
export async function generateImportCases(rng: Rng, m: Materials): Promise<ImportCase[]> {
  return [
    ...evalCases(rng, m, 60),
    ...evalDocumentCases(rng, m, 25),
    ...fmriCases(rng, m, 80),
    ...featureCases(rng, m, 50),
    ...checkpointCases(rng, m, 35),
    ...archiveCases(rng, 30),
    ...(await bundleCases(rng, m, 45)),
  ];
}
