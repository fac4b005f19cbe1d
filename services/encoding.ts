import { createHash, randomUUID } from 'node:crypto';
import { DEFAULT_ALPHAS } from '../compute/encoding/cvFolds.js';
import { fitEncodingCells, PERMUTATION_SEED, type EncodingCellResult, type EncodingInputs, type EncodingParams } from '../compute/encoding/encodingCells.js';
import { DEFAULT_DELAYS, ZScoreMode } from '../compute/encoding/features.js';
import { CvMetric } from '../compute/encoding/ridgeCvScore.js';
import { badInput, notFound } from '../errors/CortexError.js';
import { insertRun, writeEncodingCells } from '../warehouse/brainScoresRepo.js';
import { datasetInfo, featureLayers, readWordFeatures, subjectData } from '../warehouse/fmriRepo.js';
import { featureHashes, subjectHashes, writeRunInputs, type RunInput, type RunProvenance } from '../warehouse/runInputsRepo.js';
import type { Warehouse, WriteTx } from '../warehouse/Warehouse.js';
import { CODE_VERSION } from './version.js';

export type { EncodingParams };

/**
 * Block permutations per fit by default (docs/encoding.md "Significance"): with p = (1 + #)/(1 + P)
 * the smallest p is 1/1001, so BH at q = 0.05 can pass a voxel among up to ~50 tested ones even when
 * it is the only one, and p's Monte-Carlo SD at p = 0.05 is 0.007. `permutations: 0` is the t test.
 */
export const DEFAULT_PERMUTATIONS = 1000;

export const DEFAULT_ENCODING_PARAMS: EncodingParams = {
  alphas: DEFAULT_ALPHAS,
  folds: 5,
  delays: DEFAULT_DELAYS,
  downsample: 'mean',
  cvMetric: 'mse',
  fdrQ: 0.05,
  permutations: DEFAULT_PERMUTATIONS,
  blockTrs: 'auto',
};

/** sha256 of the canonical JSON (keys sorted), first 16 hex digits. */
export function paramsHash(params: object): string {
  const canonical = JSON.stringify(params, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/**
 * The params hash of encoding parameters. `permutations: 0` (the t test) is hashed as absent: the
 * t test was the default, with no `permutations` in its parameters, until permutations became the
 * default, so t-test cells stored then (hash 1409bb70475772af at the default conventions) and
 * computed now share one hash and are read together.
 */
export function encodingParamsHash(params: EncodingParams): string {
  const { permutations, ...tTest } = params;
  return paramsHash(permutations ? params : tTest);
}

export const DEFAULT_ENCODING_HASH = encodingParamsHash(DEFAULT_ENCODING_PARAMS);

/** The hash of the default conventions with the t test: the default before block permutations (stored cells keep it). */
export const T_TEST_ENCODING_HASH = encodingParamsHash({ ...DEFAULT_ENCODING_PARAMS, permutations: 0, blockTrs: undefined });

export interface EncodingRequest {
  readonly modelId: string;
  readonly step: number;
  readonly datasetId: string;
  /** Default: every layer with stored features. */
  readonly layers?: readonly number[];
  /** Default: every subject of the dataset. */
  readonly subjects?: readonly string[];
  readonly params?: Partial<EncodingParams>;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface EncodingReport {
  readonly runId: string;
  readonly paramsHash: string;
  readonly cells: number;
  readonly voxels: number;
  readonly device: string;
  readonly seconds: number;
}

/**
 * Reads what a job needs from the warehouse: the dataset's runs, the checkpoint's features, the
 * subjects' responses — and the content hash of each, recorded with the cells it computes.
 */
export async function loadEncodingInputs(wh: Warehouse, req: EncodingRequest): Promise<EncodingInputs & { provenance: RunProvenance }> {
  const info = await datasetInfo(wh, req.datasetId);
  const layers = req.layers ?? (await featureLayers(wh, req.modelId, req.step, req.datasetId));
  if (layers.length === 0) throw notFound('features', `${req.modelId}@${req.step} on ${req.datasetId}`);
  const subjects = req.subjects ?? info.subjects;
  const unknown = subjects.filter((s) => !info.subjects.includes(s));
  if (unknown.length) throw notFound('subject', unknown.join(', '));
  const features = [];
  for (const layer of layers) {
    const f = await readWordFeatures(wh, req.modelId, req.step, layer, req.datasetId);
    if (!f) throw notFound('features', `${req.modelId}@${req.step} layer ${layer} on ${req.datasetId}`);
    features.push({ layer, dim: f.dim, matrix: f.matrix });
  }
  const subjectInputs = [];
  for (const id of subjects) {
    const d = await subjectData(wh, req.datasetId, id);
    subjectInputs.push({ id, nVoxels: d.nVoxels, roi: d.roi, responses: Object.fromEntries(d.responses) });
  }
  return {
    trSeconds: info.trSeconds,
    runs: info.runs.map((r) => ({ id: r.id, split: r.split, nTrs: r.nTrs, onsets: r.onsets })),
    layers: features,
    subjects: subjectInputs,
    provenance: { previous: null, final: null, inputs: await encodingInputHashes(wh, req, layers, subjects) },
  };
}

/**
 * What an encoding run of these layers and subjects reads, by content hash as stored now: each
 * layer's features and each subject's fMRI data (all of them when not given).
 */
export async function encodingInputHashes(
  wh: Warehouse,
  req: { modelId: string; step: number; datasetId: string },
  layers: readonly number[] | null = null,
  subjects: readonly string[] | null = null,
): Promise<RunInput[]> {
  const features = (await featureHashes(wh, req.modelId, req.datasetId, [req.step])).filter((h) => layers === null || layers.includes(h.layer));
  const fmri = [...(await subjectHashes(wh, req.datasetId))].filter(([id]) => subjects === null || subjects.includes(id));
  return [
    ...features.map((h) => ({ role: 'features', modelId: req.modelId, datasetId: req.datasetId, ...h })),
    ...fmri.map(([subjectId, sha256]) => ({ role: 'fmri', modelId: null, step: null, layer: null, datasetId: req.datasetId, subjectId, sha256 })),
  ];
}

/** Writes every cell of a job and its `runs` row in the caller's transaction: a failure writes nothing. */
export async function writeEncodingResults(
  tx: WriteTx,
  req: EncodingRequest,
  params: EncodingParams,
  result: { cells: readonly EncodingCellResult[]; device: string },
  provenance: RunProvenance,
  started: Date,
): Promise<EncodingReport> {
  const hash = encodingParamsHash(params);
  const runId = randomUUID();
  const layers = [...new Set(result.cells.map((c) => c.layer))];
  const subjects = [...new Set(result.cells.map((c) => c.subjectId))];
  // The block length each subject's permutation test used (blockTrs 'auto' chooses it from the
  // data, so it is recorded here, beside the hashed parameters rather than in them).
  const blocks = Object.fromEntries(result.cells.flatMap((c) => (c.blockTrs ? [[c.subjectId, c.blockTrs] as const] : [])));
  await insertRun(tx, {
    // The permutation test's seed is fixed (compute/encoding/encodingCells.ts): recorded, so the run says everything it used.
    runId, kind: 'encoding',
    paramsJson: JSON.stringify({
      ...params, ...(params.permutations ? { permutationSeed: PERMUTATION_SEED } : {}), modelId: req.modelId, step: req.step, datasetId: req.datasetId, layers, subjects,
      ...(Object.keys(blocks).length ? { blockTrsUsed: blocks } : {}),
    }),
    paramsHash: hash, codeVersion: CODE_VERSION, device: result.device, started, finished: new Date(),
  });
  await writeEncodingCells(tx, runId, result.cells.map((c) => ({
    cell: { modelId: req.modelId, step: req.step, layer: c.layer, datasetId: req.datasetId, subjectId: c.subjectId, paramsHash: hash },
    r: c.r, alpha: c.alpha, summaries: c.summaries,
    significance: c.pValue && c.qValue && { p: c.pValue, q: c.qValue },
  })));
  await writeRunInputs(tx, runId, provenance.inputs);
  return {
    runId, paramsHash: hash, cells: result.cells.length, voxels: result.cells.reduce((s, c) => s + c.r.length, 0),
    device: result.device, seconds: (Date.now() - started.getTime()) / 1000,
  };
}

/**
 * The conventions that are absent from the recorded parameters at their defaults (today's
 * behaviour), so that parameters written before they existed — and their hash — stay what a
 * default fit records. Given explicitly at the default, they are dropped too: one meaning, one hash.
 */
const OPTIONAL_DEFAULTS = { foldBy: 'contiguous', featureZscore: 'run', responseZscore: 'run', intercept: false } as const;

const CV_METRICS: readonly string[] = Object.values(CvMetric);
const ZSCORE_MODES: readonly string[] = Object.values(ZScoreMode);

/**
 * The defaults overridden by `partial`, validated (every problem at once). `permutations` is
 * always recorded: DEFAULT_PERMUTATIONS unless given, 0 for the t test (which has no blocks, so no
 * `blockTrs`; its hash is the pre-permutation default's, see encodingParamsHash). With
 * permutations, `blockTrs` is recorded explicitly ('auto' unless a length is given). Idempotent:
 * recorded parameters given again record the same.
 */
export function encodingParams(partial: Partial<EncodingParams> = {}): EncodingParams {
  const { permutations = DEFAULT_PERMUTATIONS, blockTrs, ...rest } = partial;
  const problems = encodingParamsProblems(partial);
  if (problems.length) throw badInput(`invalid encoding parameters: ${problems.join('; ')}`, { problems });
  const base: Record<string, unknown> = { ...DEFAULT_ENCODING_PARAMS, ...rest };
  delete base.blockTrs;
  for (const [key, value] of Object.entries(OPTIONAL_DEFAULTS)) if (base[key] === value || base[key] === undefined) delete base[key];
  const params = base as unknown as EncodingParams;
  return permutations ? { ...params, permutations, blockTrs: blockTrs ?? 'auto' } : { ...params, permutations: 0 };
}

function encodingParamsProblems(p: Partial<EncodingParams>): string[] {
  const problems: string[] = [];
  const { permutations, blockTrs } = p;
  if (permutations !== undefined && !(Number.isInteger(permutations) && permutations >= 0 && permutations <= MAX_PERMUTATIONS)) {
    problems.push(`permutations must be a whole number from 0 to ${MAX_PERMUTATIONS} (got ${permutations})`);
  }
  if (blockTrs !== undefined && blockTrs !== 'auto' && !(Number.isInteger(blockTrs) && blockTrs >= 1)) problems.push(`blockTrs must be a whole number ≥ 1 (got ${blockTrs})`);
  else if (blockTrs !== undefined && permutations === 0) problems.push('blockTrs applies to block permutations only, not to the t test (permutations: 0)');
  if (p.cvMetric !== undefined && !CV_METRICS.includes(p.cvMetric)) problems.push(`cvMetric must be one of ${CV_METRICS.join(', ')} (got ${p.cvMetric})`);
  if (p.folds !== undefined && !(Number.isInteger(p.folds) && p.folds >= 2 && p.folds <= MAX_FOLDS)) problems.push(`folds must be a whole number from 2 to ${MAX_FOLDS} (got ${p.folds})`);
  if (p.foldBy !== undefined && p.foldBy !== 'contiguous' && p.foldBy !== 'run') problems.push(`foldBy must be contiguous or run (got ${p.foldBy})`);
  for (const key of ['featureZscore', 'responseZscore'] as const) {
    const v = p[key];
    if (v !== undefined && !ZSCORE_MODES.includes(v)) problems.push(`${key} must be one of ${ZSCORE_MODES.join(', ')} (got ${v})`);
  }
  if (p.delays !== undefined && (p.delays.length === 0 || p.delays.length > MAX_DELAYS || p.delays.some((d) => !Number.isInteger(d) || Math.abs(d) > MAX_DELAYS) || new Set(p.delays).size !== p.delays.length)) {
    problems.push(`delays must be 1 to ${MAX_DELAYS} distinct whole numbers of TRs within ±${MAX_DELAYS} (got [${p.delays.join(', ')}])`);
  }
  return problems;
}

/** Bounds on what a request can make a fit do: folds (one eigendecomposition each) and FIR delays (features × delays columns). */
export const MAX_FOLDS = 50;
export const MAX_DELAYS = 16;

/** Bounds the permutation test's cost: P·nBlocks additions per voxel on top of the fit. */
export const MAX_PERMUTATIONS = 10_000;

/**
 * Fits voxel-wise encoding models of one checkpoint's layers for a dataset's subjects, in this
 * thread, and writes every cell (voxel scores + ROI summaries) and one `runs` row at once.
 */
export async function computeEncoding(wh: Warehouse, req: EncodingRequest): Promise<EncodingReport> {
  const started = new Date();
  const params = encodingParams(req.params);
  const { provenance, ...inputs } = await loadEncodingInputs(wh, req);
  const result = await fitEncodingCells(inputs, params, req.onProgress);
  return wh.write((tx) => writeEncodingResults(tx, req, params, result, provenance, started));
}
