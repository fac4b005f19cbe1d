import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gpt2Tokenizer } from '../../../compute/models/gpt2Tokenizer.js';
import { applyHiddenStatePlan, planHiddenStates } from '../../../compute/models/hiddenStateSurgery.js';
import { extractWordFeatures, halfToFloat, HiddenStateModel, ownerWindow } from '../../../compute/models/hiddenStates.js';
import type { HiddenStateResult } from '../../../compute/models/hiddenStates.js';
import { referenceForward } from '../../../compute/models/referenceForward.js';
import { tinyGptWeights } from '../../../compute/models/tinyGpt.js';
import { tinyGptOnnx } from '../../../compute/models/tinyGptOnnx.js';
import { wordTokens } from '../../../compute/models/wordTokens.js';
import type { WordTokens } from '../../../compute/models/wordTokens.js';
import { decodeOnnxModel, encodeOnnxModel, OnnxDataType } from '../../../compute/onnx/onnxProto.js';
import type { OnnxModel, OnnxNode, OnnxTensor } from '../../../compute/onnx/onnxProto.js';
import { gemmModelBytes } from '../../../compute/linalg/onnxGemmModel.js';
import { CortexError } from '../../../errors/CortexError.js';

const tokenizer = gpt2Tokenizer({ merges: 2000 });
const D = 32;
const weights = tinyGptWeights({
  seed: 11,
  vocabSize: tokenizer.vocabSize,
  dModel: D,
  nLayers: 3,
  nHeads: 4,
  dFF: 64,
  maxPositions: 64,
  init: { std: 0.1, biasStd: 0.05, layerNormStd: 0.1 },
});
const TEXT =
  'The weathered cartographer unbelievably polished a crooked telescope, while the nervous lighthouse-keeper whispered: "nobody has opened that door in years."';
const words = wordTokens(tokenizer, TEXT.split(' '));
const LONG = wordTokens(tokenizer, Array.from({ length: 6 }, () => TEXT).join(' ').split(' '));

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cortexql-hs-'));
let withOutputs: HiddenStateModel;
let optimum: HiddenStateModel;
beforeAll(async () => {
  withOutputs = await HiddenStateModel.open(tinyGptOnnx(weights), { threads: 1 });
  optimum = await HiddenStateModel.open(tinyGptOnnx(weights, { hiddenStates: false, attentionMask: true, pastKeyValues: true }), { threads: 1 });
});
afterAll(async () => {
  await withOutputs.release();
  await optimum.release();
  rmSync(tmp, { recursive: true, force: true });
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Word features computed from the reference forward pass with the extractor's window rule. */
function referenceWordFeatures(wt: WordTokens, window: number, stride: number, mode: 'last' | 'mean'): Float64Array[] {
  const n = wt.ids.length;
  const cache = new Map<number, Float64Array[]>();
  const out = Array.from({ length: 4 }, () => new Float64Array(wt.nWords * D));
  for (let t = 0; t < n; t++) {
    const k = ownerWindow(t, window, stride);
    let hidden = cache.get(k);
    if (hidden === undefined) {
      hidden = referenceForward(weights, Array.from(wt.ids.subarray(k * stride, Math.min(n, k * stride + window)))).hidden;
      cache.set(k, hidden);
    }
    const w = wt.wordOfToken[t];
    const count = wt.firstToken[w + 1] - wt.firstToken[w];
    if (mode === 'last' && t !== wt.firstToken[w + 1] - 1) continue;
    for (let l = 0; l < 4; l++) {
      for (let j = 0; j < D; j++) out[l][w * D + j] += hidden[l][(t - k * stride) * D + j] / (mode === 'mean' ? count : 1);
    }
  }
  return out;
}

function expectMatches(result: HiddenStateResult, ref: Float64Array[], tolerance: number): void {
  expect(result.layers.map((l) => l.layer)).toEqual([0, 1, 2, 3]);
  result.layers.forEach((l, i) => {
    expect(l.dim).toBe(D);
    expect(l.nWords).toBe(ref[0].length / D);
    expect(maxAbsDiff(l.data, ref[i])).toBeLessThan(tolerance);
  });
}

describe('extractWordFeatures on a graph with hidden-state outputs', () => {
  it('equals the reference forward pass at each word’s last token (short transcript = one full-context window)', async () => {
    expect(withOutputs.plan.method).toBe('graph-outputs');
    expect(words.ids.length).toBeLessThan(64);
    const result = await extractWordFeatures(withOutputs, words, { windowTokens: 64 });
    expect(result.windows).toBe(1);
    expect(result.tokens).toBe(words.ids.length);
    expect(result.tokensComputed).toBe(words.ids.length);
    expect(['cpu', 'cuda', 'webgpu']).toContain(result.provider);
    expect(result.provider).toBe(withOutputs.provider);
    expect(result.sessionSeconds).toBeLessThanOrEqual(result.seconds);
    expectMatches(result, referenceWordFeatures(words, 64, 32, 'last'), 1e-4);
  });

  it('averages over a word’s tokens in mean mode', async () => {
    const result = await extractWordFeatures(withOutputs, words, { windowTokens: 64, wordFeature: 'mean' });
    expectMatches(result, referenceWordFeatures(words, 64, 32, 'mean'), 1e-4);
  });

  it('takes each token from the window with the most left context on long transcripts', async () => {
    expect(LONG.ids.length).toBeGreaterThan(150);
    for (const [window, stride] of [[48, 16], [40, 40], [64, 63]] as const) {
      const result = await extractWordFeatures(withOutputs, LONG, { windowTokens: window, strideTokens: stride, batchWindows: 3 });
      expect(result.windows).toBe(1 + Math.ceil((LONG.ids.length - window) / stride));
      expectMatches(result, referenceWordFeatures(LONG, window, stride, 'last'), 1e-4);
    }
  });

  it('does not depend on the batch size (right padding is invisible to a causal model)', async () => {
    const one = await extractWordFeatures(withOutputs, LONG, { windowTokens: 48, strideTokens: 20, batchWindows: 1 });
    const many = await extractWordFeatures(withOutputs, LONG, { windowTokens: 48, strideTokens: 20, batchWindows: 16, padTokenId: 7 });
    one.layers.forEach((l, i) => expect(maxAbsDiff(l.data, many.layers[i].data)).toBeLessThan(1e-5));
  });

  it('returns only the requested layers', async () => {
    const result = await extractWordFeatures(withOutputs, words, { layers: [3, 1] });
    expect(result.layers.map((l) => [l.layer, l.nWords, l.dim, l.data.length])).toEqual([
      [3, words.nWords, D, words.nWords * D],
      [1, words.nWords, D, words.nWords * D],
    ]);
  });

  it('rejects bad options, listing every problem', async () => {
    await expect(extractWordFeatures(withOutputs, words, { windowTokens: 8, strideTokens: 9, batchWindows: 0, layers: [4] })).rejects.toEqual(
      new CortexError(
        'BAD_USER_INPUT',
        'hidden-state extraction: strideTokens must be an integer in 1…windowTokens, got 9; batchWindows must be a positive integer, got 0; layers must be a non-empty list of integers in 0…3',
        {
          problems: [
            'strideTokens must be an integer in 1…windowTokens, got 9',
            'batchWindows must be a positive integer, got 0',
            'layers must be a non-empty list of integers in 0…3',
          ],
        },
      ),
    );
  });
});

describe('extractWordFeatures on an optimum-style graph (surgery)', () => {
  it('finds every layer by torch export names and adds them as outputs', () => {
    expect(optimum.plan).toEqual({
      method: 'torch-export-names',
      tensors: ['/transformer/Add_1_output_0', '/transformer/h.0/Add_1_output_0', '/transformer/h.1/Add_1_output_0', '/transformer/h.2/Add_1_output_0'],
      added: ['/transformer/Add_1_output_0', '/transformer/h.0/Add_1_output_0', '/transformer/h.1/Add_1_output_0', '/transformer/h.2/Add_1_output_0'],
      nodeOutputs: [],
      description: 'torch export names: embedding /transformer/Add_1_output_0, blocks /transformer/h.{0…2} (last Add of each)',
    });
  });

  it('equals extraction from the graph with outputs (with attention mask and empty past key values fed)', async () => {
    for (const options of [{ windowTokens: 64 }, { windowTokens: 48, strideTokens: 16, batchWindows: 4 }]) {
      const a = await extractWordFeatures(withOutputs, LONG, options);
      const b = await extractWordFeatures(optimum, LONG, options);
      expect(b.method).toBe('torch-export-names');
      a.layers.forEach((l, i) => expect(maxAbsDiff(l.data, b.layers[i].data)).toBeLessThan(1e-5));
    }
  });

  it('accepts an explicit layer manifest instead of the heuristics', async () => {
    const bytes = tinyGptOnnx(weights, { hiddenStates: false });
    const manifest = { '0': '/transformer/Add_1_output_0', '1': '/transformer/h.0/Add_1_output_0', '2': '/transformer/h.1/Add_1_output_0', '3': '/transformer/h.2/Add_1_output_0' };
    const model = await HiddenStateModel.open(bytes, { manifest, threads: 1 });
    try {
      expect(model.plan.method).toBe('manifest');
      const a = await extractWordFeatures(withOutputs, words);
      const b = await extractWordFeatures(model, words);
      a.layers.forEach((l, i) => expect(maxAbsDiff(l.data, b.layers[i].data)).toBeLessThan(1e-5));
    } finally {
      await model.release();
    }
    await expect(HiddenStateModel.open(bytes, { manifest: { '0': '/transformer/Add_1_output_0', '1': 'nope', x: 'y' }, label: 'm.onnx' })).rejects.toEqual(
      new CortexError('BAD_USER_INPUT', "m.onnx: bad hidden-state manifest: layer 1: no tensor named 'nope' in the graph; layer 'x' is not one of 0…2", {
        file: 'm.onnx',
        problems: ["layer 1: no tensor named 'nope' in the graph", "layer 'x' is not one of 0…2"],
      }),
    );
  });

  it('loads a model with external weight files from its path, surgery included', async () => {
    // Move every large initializer into weights.bin, as exporters do for models over 2 GB.
    const full = decodeOnnxModel(tinyGptOnnx(weights, { hiddenStates: false, attentionMask: true }));
    const chunks: Uint8Array[] = [];
    let offset = 0;
    const initializer = (full.graph.initializer ?? []).map((t): OnnxTensor => {
      if (t.rawData === undefined || t.rawData.length < 1024) return t;
      const tensor: OnnxTensor = {
        name: t.name,
        dims: t.dims,
        dataType: t.dataType,
        dataLocation: 1,
        externalData: [
          { key: 'location', value: 'weights.bin' },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(t.rawData.length) },
        ],
      };
      chunks.push(t.rawData);
      offset += t.rawData.length;
      return tensor;
    });
    const dir = path.join(tmp, 'external');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'weights.bin'), Buffer.concat(chunks));
    const file = path.join(dir, 'model.onnx');
    writeFileSync(file, encodeOnnxModel({ ...full, graph: { ...full.graph, initializer } }));

    const model = await HiddenStateModel.open(file, { threads: 1 });
    try {
      expect(model.plan.method).toBe('torch-export-names');
      expect(readdirSync(dir).sort()).toEqual(['model.onnx', 'weights.bin']); // the staged graph is gone
      const a = await extractWordFeatures(withOutputs, words);
      const b = await extractWordFeatures(model, words);
      a.layers.forEach((l, i) => expect(maxAbsDiff(l.data, b.layers[i].data)).toBeLessThan(1e-5));
    } finally {
      await model.release();
    }
    await expect(HiddenStateModel.open(await import('node:fs/promises').then((fs) => fs.readFile(file)), { label: 'bytes' })).rejects.toEqual(
      new CortexError('BAD_USER_INPUT', 'bytes keeps its weights in external files (weights.bin); open it from its file path', { file: 'bytes', files: ['weights.bin'] }),
    );
  });
});

describe('planHiddenStates heuristics on other exporters’ names', () => {
  /** A Llama-style skeleton: embed_tokens → L × (input_layernorm, attn, Add, post_attention_layernorm, mlp, Add_1) → norm. */
  function llamaLike(layers: number, breakFlowAt?: number): OnnxModel {
    const nodes: OnnxNode[] = [{ name: '/model/embed_tokens/Gather', opType: 'Gather', input: ['embed.weight', 'input_ids'], output: ['/model/embed_tokens/Gather_output_0'] }];
    let h = '/model/embed_tokens/Gather_output_0';
    for (let i = 0; i < layers; i++) {
      const p = `/model/layers.${i}`;
      const input = i === breakFlowAt ? '/model/embed_tokens/Gather_output_0' : h;
      nodes.push(
        { name: `${p}/input_layernorm/Mul`, opType: 'Mul', input: [input, 'g'], output: [`${p}/input_layernorm/Mul_output_0`] },
        { name: `${p}/self_attn/o_proj/MatMul`, opType: 'MatMul', input: [`${p}/input_layernorm/Mul_output_0`, 'w'], output: [`${p}/self_attn/o_proj/MatMul_output_0`] },
        { name: `${p}/self_attn/Add`, opType: 'Add', input: [`${p}/self_attn/o_proj/MatMul_output_0`, 'b'], output: [`${p}/self_attn/Add_output_0`] },
        { name: `${p}/Add`, opType: 'Add', input: [input, `${p}/self_attn/Add_output_0`], output: [`${p}/Add_output_0`] },
        { name: `${p}/mlp/down_proj/MatMul`, opType: 'MatMul', input: [`${p}/Add_output_0`, 'w2'], output: [`${p}/mlp/down_proj/MatMul_output_0`] },
        { name: `${p}/Add_1`, opType: 'Add', input: [`${p}/Add_output_0`, `${p}/mlp/down_proj/MatMul_output_0`], output: [`${p}/Add_1_output_0`] },
      );
      h = `${p}/Add_1_output_0`;
    }
    nodes.push({ name: '/model/norm/Mul', opType: 'Mul', input: [h, 'g'], output: ['logits'] });
    return {
      irVersion: 8,
      opsetImport: [{ version: 17 }],
      graph: {
        node: nodes,
        input: [{ name: 'input_ids' }],
        output: [{ name: 'logits' }],
        valueInfo: [{ name: '/model/layers.0/Add_1_output_0', type: { tensorType: { elemType: OnnxDataType.FLOAT16 } } }],
      },
    };
  }

  it('traces Llama/Mistral/OLMo-style /model/layers.{i}/Add_1 blocks', () => {
    const plan = planHiddenStates(llamaLike(3));
    expect(plan.tensors).toEqual(['/model/embed_tokens/Gather_output_0', '/model/layers.0/Add_1_output_0', '/model/layers.1/Add_1_output_0', '/model/layers.2/Add_1_output_0']);
    // The added outputs carry the exporter's recorded type where there is one.
    const bytes = encodeOnnxModel(llamaLike(3));
    const patched = decodeOnnxModel(applyHiddenStatePlan(bytes, llamaLike(3), plan));
    expect(patched.graph.output?.map((o) => [o.name, o.type?.tensorType?.elemType])).toEqual([
      ['logits', undefined],
      ['/model/embed_tokens/Gather_output_0', undefined],
      ['/model/layers.0/Add_1_output_0', OnnxDataType.FLOAT16],
      ['/model/layers.1/Add_1_output_0', undefined],
      ['/model/layers.2/Add_1_output_0', undefined],
    ]);
    expect(patched.graph.node.length).toBe(llamaLike(3).graph.node.length);
  });

  it('refuses to guess when the residual stream does not flow from block to block', () => {
    expect(() => planHiddenStates(llamaLike(3, 2), undefined, 'odd.onnx')).toThrow(
      /^odd\.onnx: cannot trace the residual stream through \/model\/layers\.N: \/model\/layers\.1\/Add_1_output_0 \(last addition of block 1\) does not feed block 2; give a layers manifest/,
    );
  });

  it('explains what to do with a graph that has no recognisable decoder blocks', async () => {
    await expect(HiddenStateModel.open(gemmModelBytes('float32', false, false), { label: 'gemm.onnx' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/^gemm\.onnx: no hidden-state outputs, no fused SkipLayerNormalization chain and no torch-exported decoder blocks \(…\/layers\.N\/Add\) found; give a layers manifest/),
      details: { file: 'gemm.onnx' },
    });
  });
});

describe('broken model files', () => {
  it('fail with BAD_USER_INPUT naming the file', async () => {
    const truncated = path.join(tmp, 'truncated.onnx');
    const bytes = tinyGptOnnx(weights);
    writeFileSync(truncated, bytes.subarray(0, bytes.length >> 1));
    const error = await HiddenStateModel.open(truncated).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CortexError);
    expect((error as CortexError).toJSON()).toEqual({
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(new RegExp(`^${truncated.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not an ONNX model: `)),
      details: { file: truncated, reason: expect.any(String) },
    });

    const text = path.join(tmp, 'text.onnx');
    writeFileSync(text, 'this is not a model');
    await expect(HiddenStateModel.open(text)).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { file: text } });

    const missing = path.join(tmp, 'missing.onnx');
    await expect(HiddenStateModel.open(missing)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringMatching(/^cannot read ONNX model .*missing\.onnx: ENOENT/),
      details: { file: missing },
    });
  });
});

describe('halfToFloat', () => {
  it('decodes IEEE binary16', () => {
    expect([0x3c00, 0xc000, 0x0000, 0x7bff, 0x0001, 0x7c00, 0x3555].map(halfToFloat)).toEqual([1, -2, 0, 65504, 2 ** -24, Infinity, 0.333251953125]);
  });
});
