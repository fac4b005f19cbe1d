import type { Problem } from '../errors/CortexError.js';
import { readFailure, type FileKind } from './fileSource.js';
import { readHdf5Matrix } from './hdf5.js';
import { maskTimeseries, readNifti, type NiftiImage } from './nifti.js';
import { readNpy, type NpyArray } from './npy.js';

/** Where one run's responses are: an NPY file, a NIfTI volume (cut by the subject's mask), or an HDF5 dataset. */
export type ResponseRef = string | { readonly nifti: string } | { readonly hdf5: string; readonly dataset?: string };

/** A response matrix as read, before it is centred and narrowed: n_TR × n_voxels, row-major. */
export interface RawResponses {
  readonly values: ArrayLike<number>;
  readonly nTrs: number;
  readonly nVoxels: number;
  /** mm coordinates of the voxels (NIfTI), nVoxels × 3. */
  readonly coords: Float32Array | null;
}

/** A file the manifest names, read through the dataset's FileSource (confined to the import roots for the API). */
export interface FileRef {
  read(kind: FileKind): Uint8Array;
}

export function refLabel(ref: ResponseRef): string {
  return typeof ref === 'string' ? ref : 'nifti' in ref ? ref.nifti : `${ref.hdf5}:${ref.dataset ?? 'data'}`;
}

/** Reads one response file; pushes what is wrong to `problems` and returns null then. */
export async function readResponses(ref: ResponseRef, file: (rel: string) => FileRef, mask: NiftiImage | null, problems: Problem[]): Promise<RawResponses | null> {
  const label = refLabel(ref);
  const fail = (message: string) => {
    problems.push({ where: label, message });
    return null;
  };
  if (typeof ref === 'string') {
    const npy = readNpyFile(file(ref), label, problems);
    if (!npy) return null;
    if (npy.shape.length !== 2) return fail(`expected a 2-D array (n_TR × n_voxels), got shape (${npy.shape.join(', ')})`);
    const values = npy.data instanceof BigInt64Array ? Float64Array.from(npy.data, Number) : (npy.data as ArrayLike<number>);
    return { values, nTrs: npy.shape[0], nVoxels: npy.shape[1], coords: null };
  }
  if ('nifti' in ref) {
    if (!mask) return fail('NIfTI responses need the subject\'s mask');
    const img = readImage(file(ref.nifti), label, problems);
    if (!img) return null;
    try {
      const ts = maskTimeseries(img, mask);
      return { values: ts.matrix, nTrs: ts.nTrs, nVoxels: ts.nVoxels, coords: ts.coords };
    } catch (error) {
      return fail((error as Error).message);
    }
  }
  const bytes = readBytes(file(ref.hdf5), label, problems);
  if (!bytes) return null;
  try {
    const m = await readHdf5Matrix(bytes, ref.dataset ?? 'data');
    if (m.shape.length !== 2) return fail(`expected a 2-D dataset (n_TR × n_voxels), got shape (${m.shape.join(', ')})`);
    return { values: m.values, nTrs: m.shape[0], nVoxels: m.shape[1], coords: null };
  } catch (error) {
    return fail((error as Error).message);
  }
}

/**
 * The matrix as stored: each voxel's column centred on its mean over the run, computed in
 * float64 from the values as read, then narrowed to float32. Narrowing first would keep ~7
 * digits of the baseline and lose the signal riding on it (a baseline of 10,000 leaves float32
 * steps of 0.001); every use of responses (z-scored per run, correlated) is blind to the mean.
 * Non-finite values are a problem (with the count and the first position), not centred.
 */
export function centredResponses(raw: RawResponses, label: string, problems: Problem[]): Float32Array | null {
  const { values, nTrs, nVoxels } = raw;
  let bad = -1;
  let count = 0;
  for (let i = 0; i < nTrs * nVoxels; i++) {
    if (!Number.isFinite(values[i])) {
      if (bad < 0) bad = i;
      count++;
    }
  }
  if (bad >= 0) {
    problems.push({ where: label, message: `${count} NaN/Inf values (first at TR ${Math.floor(bad / nVoxels)}, voxel ${bad % nVoxels})` });
    return null;
  }
  const mean = new Float64Array(nVoxels);
  for (let t = 0; t < nTrs; t++) for (let v = 0; v < nVoxels; v++) mean[v] += values[t * nVoxels + v];
  for (let v = 0; v < nVoxels; v++) mean[v] /= nTrs;
  const out = new Float32Array(nTrs * nVoxels);
  for (let t = 0; t < nTrs; t++) for (let v = 0; v < nVoxels; v++) out[t * nVoxels + v] = values[t * nVoxels + v] - mean[v];
  return out;
}

/**
 * With runs that disagree on the voxel count, names the files that differ from the count most of
 * the subject's files have (a tie names every file).
 */
export function voxelCountProblems(subject: string, counts: readonly { label: string; nVoxels: number }[]): Problem[] {
  const tally = new Map<number, number>();
  for (const c of counts) tally.set(c.nVoxels, (tally.get(c.nVoxels) ?? 0) + 1);
  if (tally.size <= 1) return [];
  const ranked = [...tally].sort((a, b) => b[1] - a[1]);
  const majority = ranked[0][1] > ranked[1][1] ? ranked[0][0] : null;
  if (majority === null) {
    return counts.map((c) => ({ where: c.label, message: `has ${c.nVoxels} voxels; the files of subject ${subject} disagree (${ranked.map(([n, k]) => `${k} with ${n}`).join(', ')})` }));
  }
  return counts
    .filter((c) => c.nVoxels !== majority)
    .map((c) => ({ where: c.label, message: `has ${c.nVoxels} voxels, but ${tally.get(majority)} of the ${counts.length} files of subject ${subject} have ${majority}` }));
}

export function readNpyFile(path: FileRef, label: string, problems: Problem[]): NpyArray | null {
  return readWith(path, label, problems, readNpy);
}

export function readImage(path: FileRef, label: string, problems: Problem[]): NiftiImage | null {
  return readWith(path, label, problems, readNifti);
}

function readBytes(path: FileRef, label: string, problems: Problem[]): Uint8Array | null {
  try {
    return path.read('array');
  } catch (error) {
    problems.push({ where: label, message: readFailure(error) });
    return null;
  }
}

/** Parses a file with `parse`, or pushes why it cannot (missing, refused, or the parser's message). */
function readWith<T>(path: FileRef, label: string, problems: Problem[], parse: (bytes: Uint8Array) => T): T | null {
  const bytes = readBytes(path, label, problems);
  if (!bytes) return null;
  try {
    return parse(bytes);
  } catch (error) {
    problems.push({ where: label, message: (error as Error).message });
    return null;
  }
}
