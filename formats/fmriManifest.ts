import { z } from 'zod';
import type { Problem } from '../errors/CortexError.js';
import { LOCAL_FILES, readFailure, type FileSource } from './fileSource.js';
import { centredResponses, readImage, readNpyFile, readResponses, refLabel, voxelCountProblems, type FileRef } from './fmriResponses.js';
import { maskIndices, roiVoxels, type NiftiImage } from './nifti.js';
import { Checks, idSchema, nameSchema, parseJsonText, trSecondsSchema } from './validation.js';

/**
 * The fMRI dataset manifest (format "cortexql-fmri/1", docs/fmri-manifest.md): a dataset, its
 * stimulus runs with word-timed transcripts, and per subject one response matrix (n_TR ×
 * n_voxels) per run and presentation, from NPY files, NIfTI volumes with a mask, or HDF5 datasets.
 */
const niftiRef = z.object({ nifti: z.string() }).strict();
const hdf5Ref = z.object({ hdf5: z.string(), dataset: z.string().min(1).optional() }).strict();
const responseRef = z.union([z.string(), niftiRef, hdf5Ref]);

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
  /** n_TR × n_voxels, each voxel centred on its mean over the run (in float64, then narrowed). */
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
export async function readFmriDataset(manifestPath: string, problems: Problem[], files: FileSource = LOCAL_FILES): Promise<ParsedFmriDataset | null> {
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

  const subjects: ParsedSubject[] = [];
  for (const s of m.subjects) {
    const subject = await readSubject(s, file, runs, problems);
    if (subject) subjects.push(subject);
  }
  return problems.length > before ? null : { dataset: m.dataset, runs, subjects };
}

async function readSubject(
  s: FmriManifest['subjects'][number],
  file: (rel: string) => FileRef,
  runs: readonly ParsedRun[],
  problems: Problem[],
): Promise<ParsedSubject | null> {
  const before = problems.length;
  const where = (field: string) => `subject ${s.id}: ${field}`;
  const mask = s.mask !== undefined ? readImage(file(s.mask), s.mask, problems) : null;
  if (mask && s.mask !== undefined) {
    try {
      maskIndices(mask);
    } catch (error) {
      problems.push({ where: s.mask, message: (error as Error).message });
      return null;
    }
  }
  const responses: ParsedResponses[] = [];
  const counts: { label: string; nVoxels: number }[] = [];
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
    for (const [presentation, ref] of (Array.isArray(refs) ? refs : [refs]).entries()) {
      const label = refLabel(ref);
      const raw = await readResponses(ref, file, mask, problems);
      if (!raw) continue;
      coords ??= raw.coords;
      counts.push({ label, nVoxels: raw.nVoxels });
      if (raw.nTrs !== run.nTrs) problems.push({ where: label, message: `has ${raw.nTrs} TRs but run '${run.id}' has ${run.nTrs}` });
      const matrix = centredResponses(raw, label, problems);
      if (matrix) responses.push({ runId: run.id, presentation, matrix });
    }
  }
  problems.push(...voxelCountProblems(s.id, counts));
  if (counts.length === 0) return null;
  const nVoxels = counts[0].nVoxels;
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

function readJson(path: FileRef, label: string, problems: Problem[]): unknown {
  let bytes: Uint8Array;
  try {
    bytes = path.read('json');
  } catch (error) {
    problems.push({ where: label, message: readFailure(error) });
    return undefined;
  }
  try {
    return parseJsonText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (error) {
    problems.push({ where: label, message: (error as Error).message });
    return undefined;
  }
}
