/** The synthetic study of bench/scale, shared by the builder and the serving probe. */
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
