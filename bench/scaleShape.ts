/** The synthetic study of bench/scale, shared by the builder and the serving probe. */
import type { RoiSummary } from '../compute/encoding/roiSummaries.js';
export const SHAPE = { models: 4, layers: 32, subjects: 4, voxels: 78_125, rois: 10 } as const;
export const DATASET = 'scale-fmri';
/** One job (one transaction): every layer and subject of one checkpoint = 10^7 voxel rows. */
export const ROWS_PER_JOB = SHAPE.layers * SHAPE.subjects * SHAPE.voxels;
export const modelId = (m: number) => `scale-lm-${m}`;
export const stepOf = (checkpoint: number) => 1000 * (checkpoint + 1);
export const subjectId = (s: number) => `S${String(s + 1).padStart(2, '0')}`;
export const roiOf = (v: number) => `R${v % SHAPE.rois}`;
/** Job j: model j mod 4, its checkpoint ⌊j / 4⌋. */
export const jobCell = (j: number) => ({ model: j % SHAPE.models, checkpoint: Math.floor(j / SHAPE.models) });

/** Whole-brain and per-ROI mean, count and voxels above r = 0.1, in one pass (median and top mean: the mean — synthetic). */
export function syntheticSummaries(r: Float32Array): RoiSummary[] {
  const sum = new Float64Array(SHAPE.rois + 1);
  const n = new Int32Array(SHAPE.rois + 1);
  const sig = new Int32Array(SHAPE.rois + 1);
  for (let v = 0; v < r.length; v++) {
    const x = r[v];
    if (x !== x) continue;
    for (const k of [v % SHAPE.rois, SHAPE.rois]) { sum[k] += x; n[k]++; if (x > 0.1) sig[k]++; }
  }
  return Array.from({ length: SHAPE.rois + 1 }, (_, k) => {
    const mean = n[k] ? sum[k] / n[k] : null;
    return { roi: k === SHAPE.rois ? 'all' : `R${k}`, meanR: mean, medianR: mean, topMeanR: mean, nVoxels: k === SHAPE.rois ? r.length : r.length / SHAPE.rois, nSignificant: sig[k] };
  });
}
