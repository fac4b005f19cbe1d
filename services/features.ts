import { HiddenStateModel, extractWordFeatures, type ExtractOptions, type LayerWordFeatures } from '../compute/models/hiddenStates.js';
import { wordTokens } from '../compute/models/wordTokens.js';
import type { LayerManifest } from '../compute/models/hiddenStateSurgery.js';
import { readFileSync } from 'node:fs';
import { MAX_FILE_BYTES, readRegularFile } from '../formats/fileSource.js';
import { parseJsonText } from '../formats/validation.js';
import { dirname, join } from 'node:path';
import { decodeOnnxModel } from '../compute/onnx/onnxProto.js';
import { badInput, notFound } from '../errors/CortexError.js';
import { datasetInfo, writeWordFeatureLayers } from '../warehouse/fmriRepo.js';
import { loadTokenizer } from './checkpoints.js';
import { FileAccess } from './fileAccess.js';
import { checkpointArtifacts, setTokenizerHashIfUnknown } from '../warehouse/modelsRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';

export interface FeatureRequest {
  readonly modelId: string;
  readonly step: number;
  readonly datasetId: string;
  readonly layers?: readonly number[];
  /** Context window and stride in tokens (default 128 / 64), word = last token or mean of its tokens. */
  readonly windowTokens?: number;
  readonly strideTokens?: number;
  readonly wordFeature?: 'last' | 'mean';
  /** Layer → tensor names overriding the manifest registered with the checkpoint (if any). */
  readonly layersManifest?: LayerManifest;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface FeatureReport {
  readonly layers: number;
  readonly nWords: number;
  readonly dim: number;
  readonly provider: string;
  readonly tokensPerSecond: number;
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    const v = parseJsonText(readRegularFile(file, MAX_FILE_BYTES.json).toString('utf8'));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null; // an unreadable config only costs the default window
  }
}

/**
 * The model's context length, when it says: Hugging Face's config.json beside the ONNX file
 * (`n_positions` / `max_position_embeddings`), onnxruntime-genai's genai_config.json
 * (`model.context_length`), or a generated model's `cortexql.tinyGpt` metadata.
 */
function maxPositions(onnxPath: string): number | null {
  const c = readJson(join(dirname(onnxPath), 'config.json'));
  const fromConfig = c?.n_positions ?? c?.max_position_embeddings;
  if (typeof fromConfig === 'number') return fromConfig;
  const genai = readJson(join(dirname(onnxPath), 'genai_config.json'))?.model as Record<string, unknown> | undefined;
  if (typeof genai?.context_length === 'number') return genai.context_length;
  const meta = decodeOnnxModel(readFileSync(onnxPath), onnxPath, { structureOnly: true }).metadataProps?.find((m) => m.key === 'cortexql.tinyGpt');
  return meta ? (JSON.parse(meta.value) as { maxPositions?: number }).maxPositions ?? null : null;
}

/** Whether a checkpoint can produce features: it has a registered ONNX file and its model a tokenizer. */
export async function hasArtifact(wh: Warehouse, modelId: string, step: number): Promise<boolean> {
  const [a] = await checkpointArtifacts(wh, modelId, [step]);
  return Boolean(a?.artifactUri && a.tokenizerUri);
}

/**
 * Runs a checkpoint's ONNX graph over a dataset's stimulus, story by story (sliding context
 * windows), and stores every layer's word × feature matrix (words of all runs in run order) in
 * one transaction. The execution provider that ran is recorded as the features' source.
 */
export async function extractFeatures(wh: Warehouse, req: FeatureRequest): Promise<FeatureReport> {
  const [artifact] = await checkpointArtifacts(wh, req.modelId, [req.step]);
  if (!artifact?.artifactUri) throw notFound('checkpoint artifact', `${req.modelId}@${req.step}`);
  if (!artifact.tokenizerUri) throw badInput(`model '${req.modelId}' has no tokenizer registered (register checkpoints --tokenizer)`);
  const info = await datasetInfo(wh, req.datasetId);
  // Errors name the checkpoint, not the server path (they reach clients, and jobs' readers).
  const { tokenizer, sha256: tokenizerSha256 } = loadTokenizer(FileAccess.local(), artifact.tokenizerUri, `the tokenizer of ${req.modelId}`);
  const model = await HiddenStateModel.open(artifact.artifactUri, { manifest: req.layersManifest ?? artifact.layersManifest ?? undefined, label: `checkpoint ${req.modelId}@${req.step}` });
  const windowTokens = req.windowTokens ?? Math.min(128, maxPositions(artifact.artifactUri) ?? 128);
  const options: ExtractOptions = { windowTokens, strideTokens: req.strideTokens ?? Math.max(1, Math.floor(windowTokens / 2)), wordFeature: req.wordFeature ?? 'last', layers: req.layers };
  const perRun: LayerWordFeatures[][] = [];
  let tokens = 0;
  let seconds = 0;
  try {
    for (const [i, run] of info.runs.entries()) {
      const result = await extractWordFeatures(model, wordTokens(tokenizer, run.words), options);
      perRun.push(result.layers);
      tokens += result.tokens;
      seconds += result.seconds;
      req.onProgress?.(i + 1, info.runs.length);
    }
  } finally {
    await model.release();
  }
  const layers = perRun[0].map((l, j) => {
    const nWords = perRun.reduce((s, r) => s + r[j].nWords, 0);
    const matrix = new Float32Array(nWords * l.dim);
    let offset = 0;
    for (const r of perRun) {
      matrix.set(r[j].data, offset);
      offset += r[j].data.length;
    }
    return { layer: l.layer, nWords, dim: l.dim, matrix };
  });
  const source = `onnx:${artifact.artifactSha256?.slice(0, 16)} provider:${model.provider}`;
  await wh.write(async (tx) => {
    await writeWordFeatureLayers(tx, req.modelId, req.step, req.datasetId, layers, source, { artifactSha256: artifact.artifactSha256 ?? null, tokenizerSha256 });
    // Extracted before hashes were recorded (migration 13): the tokenizer read now is the registered one.
    await setTokenizerHashIfUnknown(tx, req.modelId, tokenizerSha256);
  });
  return { layers: layers.length, nWords: layers[0].nWords, dim: layers[0].dim, provider: model.provider, tokensPerSecond: tokens / Math.max(seconds, 1e-9) };
}
