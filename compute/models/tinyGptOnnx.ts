/**
 * Writes a tiny GPT (tinyGpt.ts) as an ONNX model (IR 8, opset 17; LayerNormalization-17):
 *
 *   input_ids [batch, seq] int64
 *   → h₀ = wte[input_ids] + wpe[past + 0 … past + seq − 1]                    = hidden_state.0
 *   → L × { h += attn(LN₁(h)) ; h += mlp(LN₂(h)) }                            = hidden_state.1…L
 *   → logits = LN_f(h_L) · wteᵀ                                              [batch, seq, vocab]
 *
 * attn is causal multi-head self-attention with GPT-2's fused q|k|v projection and 1/√d_head
 * scaling; mlp is c_fc → GELU (GPT-2's tanh form, "gelu_new") → c_proj. `hidden_state.i` is the
 * residual stream *before* the final LayerNorm for every i (Hugging Face's `output_hidden_states`
 * instead applies ln_f to its last entry).
 *
 * Two shapes of graph, from the same weights:
 * - `hiddenStates: true` (default): every layer's residual stream is a graph output, so
 *   hiddenStates.ts reads it directly (case (a) of the extractor);
 * - `hiddenStates: false` + `attentionMask` (+ `pastKeyValues`): what Hugging Face optimum
 *   exports for a GPT-2 decoder — only `logits` (and `present.{i}.key|value`), inputs
 *   `input_ids`, `attention_mask` [batch, past + seq] and `past_key_values.{i}.key|value`
 *   [batch, heads, past, d_head] — with torch.onnx node and tensor names
 *   (`/transformer/h.{i}/Add_1_output_0` is block i's output), so graph surgery must find the
 *   layers (case (b)).
 *
 *   const bytes = tinyGptOnnx(weights);                                             // case (a)
 *   const optimum = tinyGptOnnx(weights, { hiddenStates: false, attentionMask: true, pastKeyValues: true });
 */
import { attrFloat, attrInt, attrInts, OnnxGraphBuilder } from '../onnx/onnxGraphBuilder.js';
import { encodeOnnxModel, onnxFloatTensor, onnxInt64Tensor, onnxValueInfo, OnnxDataType } from '../onnx/onnxProto.js';
import type { OnnxValueInfo } from '../onnx/onnxProto.js';
import { checkTinyGptConfig, DEFAULT_LAYER_NORM_EPSILON, tinyGptParams } from './tinyGpt.js';
import type { TinyGptWeights } from './tinyGpt.js';

export interface TinyGptOnnxOptions {
  /** Output every layer's residual stream as `hidden_state.{i}` (default true). */
  readonly hiddenStates?: boolean;
  /** Take an `attention_mask` [batch, past + seq] input, 0 = padding (default false). */
  readonly attentionMask?: boolean;
  /** Take `past_key_values.{i}.key|value` inputs and give `present.{i}.key|value` outputs (default false). */
  readonly pastKeyValues?: boolean;
  /** Written into the model's metadata (`cortexql.model`, `cortexql.step`). */
  readonly modelId?: string;
  readonly step?: number;
}

/** The name of layer i's hidden-state output in graphs written with `hiddenStates: true`. */
export function hiddenStateOutputName(layer: number): string {
  return `hidden_state.${layer}`;
}

/** Masked attention scores: exp(−1e9 − max) is exactly 0 in float32, and no row is all masked. */
const MASKED_SCORE = -1e9;

export function tinyGptOnnx(weights: TinyGptWeights, options: TinyGptOnnxOptions = {}): Uint8Array {
  const { config, params } = weights;
  checkTinyGptConfig(config);
  const { dModel: d, nLayers, nHeads, vocabSize } = config;
  const dHead = d / nHeads;
  const eps = config.layerNormEpsilon ?? DEFAULT_LAYER_NORM_EPSILON;
  const withHidden = options.hiddenStates ?? true;
  const withMask = options.attentionMask ?? false;
  const withPast = options.pastKeyValues ?? false;

  const g = new OnnxGraphBuilder();
  for (const p of tinyGptParams(config)) g.initializer(onnxFloatTensor(p.name, p.dims, params[p.name]));
  const i64 = (name: string, dims: readonly number[], values: readonly number[]) => g.initializer(onnxInt64Tensor(name, dims, values));
  const f32 = (name: string, value: number) => g.initializer(onnxFloatTensor(name, [], Float32Array.of(value)));

  const top = '/transformer';
  const zero = i64(`${top}/const_zero`, [], [0]);
  const one = i64(`${top}/const_one`, [], [1]);

  // Positions past … past + seq − 1 of the queries, 0 … past + seq − 1 of the keys.
  const seq = g.op1(top, 'Gather', [g.op1(top, 'Shape', ['input_ids']), one], [attrInt('axis', 0)]);
  const past = withPast ? g.op1(top, 'Gather', [g.op1(top, 'Shape', ['past_key_values.0.key']), i64(`${top}/const_two`, [], [2])], [attrInt('axis', 0)]) : zero;
  const total = g.op1(top, 'Add', [past, seq]);
  const queryPos = g.op1(top, 'Range', [past, total, one]);
  const keyPos = g.op1(top, 'Range', [zero, total, one]);

  const tokens = g.op1(`${top}/wte`, 'Gather', ['transformer.wte.weight', 'input_ids'], [attrInt('axis', 0)]);
  const positions = g.op1(`${top}/wpe`, 'Gather', ['transformer.wpe.weight', queryPos], [attrInt('axis', 0)]);
  let h = g.op1(top, 'Add', [tokens, positions]);
  const hidden: string[] = [h];

  // masked[s, t] = key t lies after query s (causal), or key t is padding: [S, T] or [B, 1, S, T].
  const axes0 = i64(`${top}/axes_0`, [1], [0]);
  const axes1 = i64(`${top}/axes_1`, [1], [1]);
  const causal = g.op1(top, 'Greater', [g.op1(top, 'Unsqueeze', [keyPos, axes0]), g.op1(top, 'Unsqueeze', [queryPos, axes1])]);
  let masked = causal;
  if (withMask) {
    const padding = g.op1(top, 'Equal', ['attention_mask', zero]);
    const axes12 = i64(`${top}/axes_1_2`, [2], [1, 2]);
    masked = g.op1(top, 'Or', [causal, g.op1(top, 'Unsqueeze', [padding, axes12])]);
  }
  const maskedScore = f32(`${top}/const_masked_score`, MASKED_SCORE);

  const presentOutputs: OnnxValueInfo[] = [];
  for (let i = 0; i < nLayers; i++) {
    const block = `${top}/h.${i}`;
    const w = (suffix: string) => `transformer.h.${i}.${suffix}`;
    const attn = `${block}/attn`;
    const headShape = i64(`${attn}/head_shape`, [4], [0, 0, nHeads, dHead]);
    const modelShape = i64(`${attn}/model_shape`, [3], [0, 0, d]);
    const splitSizes = i64(`${attn}/split_sizes`, [3], [d, d, d]);
    const scale = f32(`${attn}/scale`, 1 / Math.sqrt(dHead));

    const x1 = g.op1(`${block}/ln_1`, 'LayerNormalization', [h, w('ln_1.weight'), w('ln_1.bias')], [attrInt('axis', -1), attrFloat('epsilon', eps)]);
    const qkv = g.op1(`${attn}/c_attn`, 'Add', [g.op1(`${attn}/c_attn`, 'MatMul', [x1, w('attn.c_attn.weight')]), w('attn.c_attn.bias')]);
    const [q0, k0, v0] = g.op(attn, 'Split', [qkv, splitSizes], [attrInt('axis', 2)], { count: 3 });
    // [B, S, d] → [B, S, H, d_h] → [B, H, S, d_h]
    const heads = (x: string) => g.op1(attn, 'Transpose', [g.op1(attn, 'Reshape', [x, headShape])], [attrInts('perm', [0, 2, 1, 3])]);
    const q = heads(q0);
    let k = heads(k0);
    let v = heads(v0);
    if (withPast) {
      k = g.op1(attn, 'Concat', [`past_key_values.${i}.key`, k], [attrInt('axis', 2)], `present.${i}.key`);
      v = g.op1(attn, 'Concat', [`past_key_values.${i}.value`, v], [attrInt('axis', 2)], `present.${i}.value`);
      presentOutputs.push(
        onnxValueInfo(`present.${i}.key`, OnnxDataType.FLOAT, ['batch_size', nHeads, 'total_sequence_length', dHead]),
        onnxValueInfo(`present.${i}.value`, OnnxDataType.FLOAT, ['batch_size', nHeads, 'total_sequence_length', dHead]),
      );
    }
    const kT = g.op1(attn, 'Transpose', [k], [attrInts('perm', [0, 1, 3, 2])]);
    const scores = g.op1(attn, 'Mul', [g.op1(attn, 'MatMul', [q, kT]), scale]);
    const probs = g.op1(attn, 'Softmax', [g.op1(attn, 'Where', [masked, maskedScore, scores])], [attrInt('axis', -1)]);
    const context = g.op1(attn, 'MatMul', [probs, v]);
    const merged = g.op1(attn, 'Reshape', [g.op1(attn, 'Transpose', [context], [attrInts('perm', [0, 2, 1, 3])]), modelShape]);
    const attnOut = g.op1(`${attn}/c_proj`, 'Add', [g.op1(`${attn}/c_proj`, 'MatMul', [merged, w('attn.c_proj.weight')]), w('attn.c_proj.bias')]);
    h = g.op1(block, 'Add', [attnOut, h]); // GPT2Block: hidden_states = attn_output + residual

    const mlp = `${block}/mlp`;
    const x2 = g.op1(`${block}/ln_2`, 'LayerNormalization', [h, w('ln_2.weight'), w('ln_2.bias')], [attrInt('axis', -1), attrFloat('epsilon', eps)]);
    const fc = g.op1(`${mlp}/c_fc`, 'Add', [g.op1(`${mlp}/c_fc`, 'MatMul', [x2, w('mlp.c_fc.weight')]), w('mlp.c_fc.bias')]);
    const act = geluNew(g, `${mlp}/act`, fc, f32);
    const mlpOut = g.op1(`${mlp}/c_proj`, 'Add', [g.op1(`${mlp}/c_proj`, 'MatMul', [act, w('mlp.c_proj.weight')]), w('mlp.c_proj.bias')]);
    h = g.op1(block, 'Add', [h, mlpOut]); // hidden_states = residual + feed_forward_hidden_states
    hidden.push(h);
  }

  const final = g.op1(`${top}/ln_f`, 'LayerNormalization', [h, 'transformer.ln_f.weight', 'transformer.ln_f.bias'], [attrInt('axis', -1), attrFloat('epsilon', eps)]);
  // Tied head: onnxruntime folds the Transpose of the initializer once, at session creation.
  const wteT = g.op1('/lm_head', 'Transpose', ['transformer.wte.weight'], [attrInts('perm', [1, 0])]);
  g.op1('/lm_head', 'MatMul', [final, wteT], [], 'logits');

  const outputs: OnnxValueInfo[] = [onnxValueInfo('logits', OnnxDataType.FLOAT, ['batch_size', 'sequence_length', vocabSize])];
  if (withHidden) {
    hidden.forEach((name, layer) => {
      g.op1('/hidden_states', 'Identity', [name], [], hiddenStateOutputName(layer));
      outputs.push(onnxValueInfo(hiddenStateOutputName(layer), OnnxDataType.FLOAT, ['batch_size', 'sequence_length', d]));
    });
  }
  outputs.push(...presentOutputs);

  const inputs: OnnxValueInfo[] = [onnxValueInfo('input_ids', OnnxDataType.INT64, ['batch_size', 'sequence_length'])];
  if (withMask) inputs.push(onnxValueInfo('attention_mask', OnnxDataType.INT64, ['batch_size', 'total_sequence_length']));
  if (withPast) {
    for (let i = 0; i < nLayers; i++) {
      for (const kv of ['key', 'value']) {
        inputs.push(onnxValueInfo(`past_key_values.${i}.${kv}`, OnnxDataType.FLOAT, ['batch_size', nHeads, 'past_sequence_length', dHead]));
      }
    }
  }

  const metadata = [{ key: 'cortexql.tinyGpt', value: JSON.stringify(config) }];
  if (options.modelId !== undefined) metadata.push({ key: 'cortexql.model', value: options.modelId });
  if (options.step !== undefined) metadata.push({ key: 'cortexql.step', value: String(options.step) });
  return encodeOnnxModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'cortexql',
    producerVersion: '1',
    graph: g.graph(withHidden ? 'tiny_gpt' : 'main_graph', inputs, outputs),
    metadataProps: metadata,
  });
}

/** GPT-2's GELU: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (Hendrycks & Gimpel 2016, eq. for the tanh approximation). */
function geluNew(g: OnnxGraphBuilder, scope: string, x: string, f32: (name: string, value: number) => string): string {
  const cube = g.op1(scope, 'Mul', [g.op1(scope, 'Mul', [x, x]), x]);
  const inner = g.op1(scope, 'Mul', [g.op1(scope, 'Add', [x, g.op1(scope, 'Mul', [cube, f32(`${scope}/c_cubic`, 0.044715)])]), f32(`${scope}/c_sqrt_2_over_pi`, Math.sqrt(2 / Math.PI))]);
  const t = g.op1(scope, 'Add', [g.op1(scope, 'Tanh', [inner]), f32(`${scope}/c_one`, 1)]);
  return g.op1(scope, 'Mul', [g.op1(scope, 'Mul', [x, f32(`${scope}/c_half`, 0.5)]), t]);
}
