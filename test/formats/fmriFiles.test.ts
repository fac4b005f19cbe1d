import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CortexError } from '../../errors/CortexError.js';
import { readHdf5Matrix } from '../../formats/hdf5.js';
import { maskTimeseries, readNifti } from '../../formats/nifti.js';
import { importFmri } from '../../services/importFmri.js';
import { subjectData } from '../../warehouse/fmriRepo.js';
import { Warehouse } from '../../warehouse/Warehouse.js';
import { describeWith, pythonRequirement } from '../helpers/requirements.js';
import { tempDir } from '../helpers/tmp.js';

/** Debian's python3 with python3-nibabel, python3-h5py and python3-numpy: the writers and readers other labs use. */
const PYTHON = '/usr/bin/python3';
const WRITERS = pythonRequirement(PYTHON, 'nibabel, h5py, numpy');
const SCRIPT = join(import.meta.dirname, '../fixtures/fmri/make_fmri_files.py');
const NT = 6;

interface Expected {
  images: Record<string, { affine: number[][]; from: string; dims: number[] }>;
  runs: Record<string, { raw: number[][]; centred: number[][]; narrowedFirst?: number[][] }>;
  maskCoords: number[][];
}

describeWith(WRITERS, 'fMRI files written by nibabel and h5py read as nibabel and numpy read them', () => {
  const tmp = tempDir();
  let expected: Expected;
  let wh: Warehouse;
  beforeAll(async () => {
    execFileSync(PYTHON, [SCRIPT, tmp.dir]);
    expected = JSON.parse(readFileSync(join(tmp.dir, 'expected.json'), 'utf8'));
    wh = await Warehouse.create({ path: ':memory:' });
  });
  afterAll(() => {
    wh?.close();
    tmp.cleanup();
  });

  const image = (name: string) => readNifti(readFileSync(join(tmp.dir, 'S01', name)));

  it('takes the affine nibabel\'s get_best_affine takes: sform when its code is non-zero (even below the qform code), else qform, else pixdims', () => {
    const seen = new Set<string>();
    for (const [name, e] of Object.entries(expected.images)) {
      const img = image(name);
      expect([name, img.affineFrom, [...img.dims].slice(0, e.dims.length)]).toEqual([name, e.from, e.dims]);
      img.affine.forEach((row, r) => row.forEach((v, c) => expect(v, `${name} [${r}][${c}]`).toBeCloseTo(e.affine[r][c], 9)));
      seen.add(`${name.startsWith('n2') ? 'NIfTI-2' : 'NIfTI-1'} ${e.from}`);
    }
    expect([...seen].sort()).toEqual(['NIfTI-1 pixdim', 'NIfTI-1 qform', 'NIfTI-1 sform', 'NIfTI-2 qform', 'NIfTI-2 sform']);
  });

  it('reads every variant\'s voxels (big-endian int16 with scaling included) as nibabel\'s get_fdata does, through a mask labelled 1, -1 and 2.5', () => {
    const mask = image('mask_labels.nii');
    for (const name of Object.keys(expected.runs).filter((n) => !n.startsWith('UTS01'))) {
      const cut = maskTimeseries(image(name), mask);
      expect([cut.nTrs, cut.nVoxels]).toEqual([NT, 4]);
      expect(Array.from(cut.matrix), name).toEqual(expected.runs[name].raw.flat());
      expect(Array.from(cut.coords)).toEqual(expected.maskCoords.flat().map((v) => Math.fround(v)));
    }
  });

  it('reads HDF5 datasets h5py wrote: float32, big-endian gzip float64, another dataset name; says which datasets a file has', async () => {
    for (const [name, dataset] of [['story1.hf5', 'data'], ['story2.hf5', 'data'], ['story3.hf5', 'resp']] as const) {
      const m = await readHdf5Matrix(readFileSync(join(tmp.dir, 'UTS01', name)), dataset);
      expect(m.shape).toEqual([NT, 5]);
      expect(Array.from(m.values)).toEqual(expected.runs[`UTS01/${name}`].raw.flat());
    }
    await expect(readHdf5Matrix(readFileSync(join(tmp.dir, 'UTS01', 'story3.hf5')), 'data')).rejects.toThrow("no dataset 'data' (datasets here: resp)");
    await expect(readHdf5Matrix(readFileSync(join(tmp.dir, 'expected.json')), 'data')).rejects.toThrow('not an HDF5 file');
  });

  const transcript = { words: [{ word: 'so', onset: 0.5, offset: 1 }, { word: 'it', onset: 3, offset: 3.5 }] };
  function manifest(name: string, subjects: unknown[]): string {
    writeFileSync(join(tmp.dir, 'words.json'), JSON.stringify(transcript));
    const path = join(tmp.dir, `${name}.json`);
    writeFileSync(path, JSON.stringify({
      format: 'cortexql-fmri/1',
      dataset: { id: name, trSeconds: 2 },
      runs: [
        { id: 'r1', split: 'train', nTrs: NT, transcript: 'words.json' },
        { id: 'r2', split: 'train', nTrs: NT, transcript: 'words.json' },
        { id: 't1', split: 'test', nTrs: NT, transcript: 'words.json' },
      ],
      subjects,
    }));
    return path;
  }

  it('imports NIfTI and HDF5 subjects, each run centred in float64 before float32 storage, as numpy centres it', async () => {
    const path = manifest('mixed', [
      { id: 'S01', mask: 'S01/mask_labels.nii',
        responses: { r1: { nifti: 'S01/n1_sform_over_qform.nii' }, r2: { nifti: 'S01/n2_qform_only.nii' }, t1: [{ nifti: 'S01/n1_big_endian_int16.nii' }, { nifti: 'S01/n1_qform_only.nii.gz' }] } },
      { id: 'UTS01', responses: { r1: { hdf5: 'UTS01/story1.hf5' }, r2: { hdf5: 'UTS01/story2.hf5' }, t1: { hdf5: 'UTS01/story3.hf5', dataset: 'resp' } } },
    ]);
    expect(await importFmri(wh, path)).toMatchObject({ dataset: 'mixed', subjects: 2, voxels: 9 });
    const s01 = await subjectData(wh, 'mixed', 'S01');
    const files: Record<string, string[]> = { r1: ['n1_sform_over_qform.nii'], r2: ['n2_qform_only.nii'], t1: ['n1_big_endian_int16.nii', 'n1_qform_only.nii.gz'] };
    for (const [run, names] of Object.entries(files)) {
      names.forEach((n, rep) => expect(Array.from(s01.responses.get(run)![rep]), n).toEqual(expected.runs[n].centred.flat()));
    }
    const coords = await wh.all<{ x: number; y: number; z: number }>("SELECT x, y, z FROM voxels WHERE dataset_id = 'mixed' AND subject_id = 'S01' ORDER BY voxel");
    expect(coords.map((c) => [c.x, c.y, c.z])).toEqual(expected.maskCoords.map((p) => p.map((v) => Math.fround(v))));

    const uts = await subjectData(wh, 'mixed', 'UTS01');
    const story2 = expected.runs['UTS01/story2.hf5'];
    expect(Array.from(uts.responses.get('r2')![0])).toEqual(story2.centred.flat());
    // On a baseline of 10,000 narrowing first would have stored other values (steps of ~0.001):
    const lost = Math.max(...story2.narrowedFirst!.flat().map((v, i) => Math.abs(v - story2.centred.flat()[i])));
    expect(lost).toBeGreaterThan(1e-4);
    expect(Array.from(uts.responses.get('t1')![0])).toEqual(expected.runs['UTS01/story3.hf5'].centred.flat());
  });

  it('refuses a mask that selects nothing, and names the one file whose voxel count differs from the others\'', async () => {
    const failure = async (path: string) => (await importFmri(wh, path).then(() => null, (e: unknown) => e)) as CortexError;
    const empty = await failure(manifest('empty-mask', [{ id: 'S01', mask: 'S01/mask_empty.nii', responses: { r1: { nifti: 'S01/n2_sform.nii' }, r2: { nifti: 'S01/n2_sform.nii' }, t1: { nifti: 'S01/n2_sform.nii' } } }]));
    expect(empty.toJSON()).toMatchObject({
      code: 'IMPORT_FAILED',
      details: { problems: [{ where: 'S01/mask_empty.nii', message: 'the mask selects no voxel: every value is 0 (a voxel is in the mask where its value is non-zero)' }] },
    });
    const odd = await failure(manifest('odd', [{ id: 'UTS02', responses: { r1: { hdf5: 'UTS01/story1.hf5' }, r2: { hdf5: 'UTS01/odd.hf5' }, t1: { hdf5: 'UTS01/story3.hf5', dataset: 'resp' } } }]));
    expect(odd.toJSON()).toMatchObject({
      code: 'IMPORT_FAILED',
      details: { problems: [{ where: 'UTS01/odd.hf5:data', message: 'has 4 voxels, but 2 of the 3 files of subject UTS02 have 5' }] },
    });
    expect(await wh.all("SELECT count(*)::INTEGER AS n FROM datasets WHERE dataset_id IN ('empty-mask', 'odd')")).toEqual([{ n: 0 }]);
  });
});
