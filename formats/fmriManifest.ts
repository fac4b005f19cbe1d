import { z } from 'zod';
import type { Problem } from '../errors/CortexError.js';
import { LOCAL_FILES, readFailure, type FileKind, type FileSource } from './fileSource.js';
import { maskTimeseries, readNifti, roiVoxels, type NiftiImage } from './nifti.js';
import { npyToFloat32, readNpy } from './npy.js';
import { Checks, idSchema, nameSchema, parseJsonText, trSecondsSchema } from './validation.js';

/**
 * The fMRI dataset manifest (format "cortexql-fmri/1", docs/fmri-manifest.md): a dataset, its
 * stimulus runs with word-timed transcripts, and per subject one response matrix (n_TR ×
 * n_voxels) per run and presentation, from NPY files or NIfTI volumes with a mask.
 */
const niftiRef = z.object({ nifti: z.string() }).strict();
const responseRef = z.union([z.string(), niftiRef]);

export const fmriManifestSchema = z
  .object({
    format: z.literal('cortexql-fmri/1'),
    dataset: z
      .object({
        id: idSchema,
        name: z.string().optional(),
        language: z.string().optional(),
        trSeconds: trSecondsSchema,
        description: z.string().optional(),
        source: z.string().optional(),
      })
      .strict(),
    runs: z
      .array(
        z
          .object({
            id: idSchema,
            split: z.enum(['train', 'test']),
            nTrs: z.number().int().positive(),
            transcript: z.string(),
          })
          .strict(),
      )
      .min(2),
    subjects: z
      .array(
        z
          .object({
            id: idSchema,
            /** run id → one file, or several for repeated presentations (test runs). */
            responses: z.record(z.string(), z.union([responseRef, z.array(responseRef).min(1)])),
            /** NPY subjects: per column {roi, x, y, z}. */
            voxels: z.string().optional(),
            /** NIfTI subjects: the brain mask defining the columns. */
            mask: z.string().optional(),
            /** ROI name → NPY file of voxel (column) indices, or a NIfTI mask in the run space. */
            rois: z.record(nameSchema, z.string()).optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type FmriManifest = z.infer<typeof fmriManifestSchema>;

export interface StimulusWord {
  readonly word: string;
  readonly onset: number;
  readonly offset: number;
}

export interface ParsedRun {
  readonly id: string;
  readonly split: 'train' | 'test';
  readonly nTrs: number;
  readonly words: readonly StimulusWord[];
}

export interface ParsedResponses {
  readonly runId: string;
  readonly presentation: number;
  readonly matrix: Float32Array;
}

export interface ParsedSubject {
  readonly id: string;
  readonly nVoxels: number;
  readonly roi: readonly string[];
  /** nVoxels × 3 mm coordinates (NaN when unknown). */
  readonly coords: Float32Array;
  readonly responses: readonly ParsedResponses[];
}

export interface ParsedFmriDataset {
  readonly dataset: FmriManifest['dataset'];
  readonly runs: readonly ParsedRun[];
  readonly subjects: readonly ParsedSubject[];
}

const transcriptSchema = z.object({
  words: z.array(z.object({ word: z.string(), onset: z.number(), offset: z.number() })).min(1),
});
const voxelsSchema = z.array(
  z.object({ roi: z.string().nullable().optional(), x: z.number().optional(), y: z.number().optional(), z: z.number().optional() }),
);

/**
 * Reads and validates a whole dataset, collecting every problem (file, field, what is wrong)
 * before anything is written. Returns null when there were problems.
 */
export function readFmriDataset(manifestPath: string, problems: Problem[], files: FileSource = LOCAL_FILES): ParsedFmriDataset | null {
  const before = problems.length;
  const json = readJson({ read: (kind) => files.read(manifestPath, kind) }, manifestPath, problems);
  if (json === undefined) return null;
  const parsed = fmriManifestSchema.safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push({ where: `${manifestPath}: ${issue.path.join('.') || '(root)'}`, message: issue.message });
    return null;
  }
  const m = parsed.data;
  // Files the manifest names resolve against its folder, through `files` (confined for the API).
  const file = (rel: string): FileRef => ({ read: (kind) => files.read(files.sibling(manifestPath, rel), kind) });
  new Checks(problems).unique(`${manifestPath}: subjects`, m.subjects.map((s) => s.id), 'subject id');
  const tr = m.dataset.trSeconds;

  const runIds = new Set<string>();
  for (const r of m.runs) {
    if (runIds.has(r.id)) problems.push({ where: `${manifestPath}: runs`, message: `run id '${r.id}' appears twice` });
    runIds.add(r.id);
  }
  for (const split of ['train', 'test'] as const) {
    if (!m.runs.some((r) => r.split === split)) problems.push({ where: `${manifestPath}: runs`, message: `no ${split} run` });
  }

  const runs: ParsedRun[] = m.runs.map((r) => {
    const where = r.transcript;
    const t = readJson(file(r.transcript), where, problems);
    const ts = t === undefined ? null : transcriptSchema.safeParse(t);
    if (ts && !ts.success) for (const issue of ts.error.issues) problems.push({ where: `${where}: ${issue.path.join('.')}`, message: issue.message });
    const words = ts?.success ? ts.data.words : [];
    words.forEach((w, i) => {
      if (!Number.isFinite(w.onset) || !Number.isFinite(w.offset) || w.offset < w.onset) {
        problems.push({ where: `${where}: words.${i}`, message: `onset ${w.onset} / offset ${w.offset} must be finite with offset ≥ onset` });
      } else if (i > 0 && w.onset < words[i - 1].onset) {
        problems.push({ where: `${where}: words.${i}`, message: `onset ${w.onset} is before the previous word's (${words[i - 1].onset})` });
      }
    });
    const last = words.at(-1);
    // The run must cover its transcript (one TR of slack for the last word's offset).
    if (last && last.offset > (r.nTrs + 1) * tr) {
      problems.push({ where: `${where}: words.${words.length - 1}`, message: `transcript runs to ${last.offset} s but run '${r.id}' has ${r.nTrs} TRs × ${tr} s = ${r.nTrs * tr} s` });
    }
    return { id: r.id, split: r.split, nTrs: r.nTrs, words };
  });

  const subjects = m.subjects.map((s) => readSubject(s, file, runs, problems)).filter((s): s is ParsedSubject => s !== null);
  return problems.length > before ? null : { dataset: m.dataset, runs, subjects };
}

function readSubject(
  s: FmriManifest['subjects'][number],
  file: (rel: string) => FileRef,
  runs: readonly ParsedRun[],
  problems: Problem[],
): ParsedSubject | null {
  const before = problems.length;
  const where = (field: string) => `subject ${s.id}: ${field}`;
  const mask = s.mask !== undefined ? readImage(file(s.mask), s.mask, problems) : null;
  const responses: ParsedResponses[] = [];
  let nVoxels: number | null = null;
  let coords: Float32Array | null = null;

  for (const runId of Object.keys(s.responses)) {
    if (!runs.some((r) => r.id === runId)) problems.push({ where: where(`responses.${runId}`), message: `unknown run '${runId}'` });
  }
  for (const run of runs) {
    const refs = s.responses[run.id];
    if (refs === undefined) {
      problems.push({ where: where('responses'), message: `no responses for run '${run.id}'` });
      continue;
    }
    (Array.isArray(refs) ? refs : [refs]).forEach((ref, presentation) => {
      const label = typeof ref === 'string' ? ref : ref.nifti;
      let matrix: Float32Array | null = null;
      let shape: [number, number] | null = null;
      if (typeof ref === 'string') {
        const npy = readNpyFile(file(ref), label, problems);
        if (npy && npy.shape.length !== 2) problems.push({ where: label, message: `expected a 2-D array (n_TR × n_voxels), got shape (${npy.shape.join(', ')})` });
        else if (npy) { matrix = npyToFloat32(npy); shape = [npy.shape[0], npy.shape[1]]; }
      } else if (!mask) {
        problems.push({ where: where('mask'), message: 'NIfTI responses need a mask' });
      } else {
        const img = readImage(file(ref.nifti), label, problems);
        if (img) {
          try {
            const ts = maskTimeseries(img, mask);
            matrix = ts.matrix;
            shape = [ts.nTrs, ts.nVoxels];
            coords ??= ts.coords;
          } catch (error) {
            problems.push({ where: label, message: (error as Error).message });
          }
        }
      }
      if (!matrix || !shape) return;
      if (shape[0] !== run.nTrs) problems.push({ where: label, message: `has ${shape[0]} TRs but run '${run.id}' has ${run.nTrs}` });
      if (nVoxels !== null && shape[1] !== nVoxels) problems.push({ where: label, message: `has ${shape[1]} voxels, other runs of subject ${s.id} have ${nVoxels}` });
      nVoxels ??= shape[1];
      const bad = firstNonFinite(matrix);
      if (bad >= 0) {
        const count = matrix.reduce((n, v) => (Number.isFinite(v) ? n : n + 1), 0);
        problems.push({ where: label, message: `${count} NaN/Inf values (first at TR ${Math.floor(bad / shape[1])}, voxel ${bad % shape[1]})` });
      }
      responses.push({ runId: run.id, presentation, matrix });
    });
  }
  if (nVoxels === null) return null;
  const roi = readRois(s, file, mask, nVoxels, problems);
  if (s.voxels !== undefined) coords = readVoxelCoords(file(s.voxels), s.voxels, nVoxels, roi, problems) ?? coords;
  return problems.length > before ? null : { id: s.id, nVoxels, roi, coords: coords ?? new Float32Array(nVoxels * 3).fill(NaN), responses };
}

/** ROI label per voxel: from `rois` files (NPY indices or NIfTI masks); unlabelled voxels are 'other'. */
function readRois(s: FmriManifest['subjects'][number], file: (rel: string) => FileRef, mask: NiftiImage | null, nVoxels: number, problems: Problem[]): string[] {
  const roi = new Array<string>(nVoxels).fill('other');
  for (const [name, rel] of Object.entries(s.rois ?? {})) {
    let indices: number[] = [];
    if (/\.nii(\.gz)?$/.test(rel)) {
      const img = mask ? readImage(file(rel), rel, problems) : null;
      if (!mask) problems.push({ where: rel, message: 'a NIfTI ROI needs the subject mask' });
      if (img && mask) {
        try { indices = roiVoxels(mask, img); } catch (error) { problems.push({ where: rel, message: (error as Error).message }); }
      }
    } else {
      const npy = readNpyFile(file(rel), rel, problems);
      if (npy) indices = Array.from(npy.data as ArrayLike<number | bigint>, Number);
    }
    for (const v of indices) {
      if (!Number.isInteger(v) || v < 0 || v >= nVoxels) {
        problems.push({ where: rel, message: `voxel index ${v} is outside 0..${nVoxels - 1}` });
        break;
      }
      if (roi[v] !== 'other') {
        problems.push({ where: rel, message: `voxel ${v} is in ROI '${roi[v]}' and in '${name}'` });
        break;
      }
      roi[v] = name;
    }
  }
  return roi;
}

function readVoxelCoords(path: FileRef, label: string, nVoxels: number, roi: string[], problems: Problem[]): Float32Array | null {
  const json = readJson(path, label, problems);
  if (json === undefined) return null;
  const parsed = voxelsSchema.safeParse(json);
  if (!parsed.success) {
    problems.push({ where: label, message: `expected an array of {roi, x, y, z}: ${parsed.error.issues[0]?.message}` });
    return null;
  }
  if (parsed.data.length !== nVoxels) {
    problems.push({ where: label, message: `describes ${parsed.data.length} voxels but the responses have ${nVoxels}` });
    return null;
  }
  const coords = new Float32Array(nVoxels * 3);
  parsed.data.forEach((v, i) => {
    if (v.roi) roi[i] = v.roi;
    coords[i * 3] = v.x ?? NaN;
    coords[i * 3 + 1] = v.y ?? NaN;
    coords[i * 3 + 2] = v.z ?? NaN;
  });
  return coords;
}

function firstNonFinite(a: Float32Array): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}

/** A file the manifest names, read through the dataset's FileSource. */
interface FileRef {
  read(kind: FileKind): Uint8Array;
}

function readBytes(path: FileRef, kind: FileKind, label: string, problems: Problem[]): Uint8Array | null {
  try {
    return path.read(kind);
  } catch (error) {
    problems.push({ where: label, message: readFailure(error) });
    return null;
  }
}

function readJson(path: FileRef, label: string, problems: Problem[]): unknown {
  const bytes = readBytes(path, 'json', label, problems);
  if (bytes === null) return undefined;
  try {
    return parseJsonText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (error) {
    problems.push({ where: label, message: (error as Error).message });
    return undefined;
  }
}

function readNpyFile(path: FileRef, label: string, problems: Problem[]) {
  const bytes = readBytes(path, 'array', label, problems);
  if (bytes === null) return null;
  try {
    return readNpy(bytes);
  } catch (error) {
    problems.push({ where: label, message: (error as Error).message });
    return null;
  }
}

function readImage(path: FileRef, label: string, problems: Problem[]): NiftiImage | null {
  const bytes = readBytes(path, 'array', label, problems);
  if (bytes === null) return null;
  try {
    return readNifti(bytes);
  } catch (error) {
    problems.push({ where: label, message: (error as Error).message });
    return null;
  }
}
