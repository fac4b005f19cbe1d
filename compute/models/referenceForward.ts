/**
 * The tiny GPT's forward pass in plain TypeScript (float64, indexed loops): the independent
 * reference that the generated ONNX graph (tinyGptOnnx.ts) is tested against. Small sizes only
 * — it is O(L·S·(S·d + d·F) + S·d·V) scalar work with no blocking or threads.
 *
 *   const { hidden, logits } = referenceForward(weights, [15496, 995]);
 *   hidden[0]  // S×d embedding output; hidden[i] = residual stream after block i
 *   logits     // S×V = LN_f(hidden[L])·wteᵀ
 */
import { badInput } from '../../errors/CortexError.js';
import { DEFAULT_LAYER_NORM_EPSILON } from './tinyGpt.js';
import type { TinyGptWeights } from './tinyGpt.js';

export interface ReferenceForward {
  /** L + 1 residual-stream states, each S×d row-major. */
  readonly hidden: Float64Array[];
  /** S×V. */
  readonly logits: Float64Array;
}

/** GPT-2's tanh GELU ("gelu_new"). */
export function geluNew(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

/** Row-wise LayerNorm (population variance, as torch.nn.LayerNorm). */
function layerNorm(x: Float64Array, rows: number, d: number, gain: Float32Array, shift: Float32Array, eps: number): Float64Array {
  const out = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[r * d + j];
    mean /= d;
    let v = 0;
    for (let j = 0; j < d; j++) v += (x[r * d + j] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / d + eps);
    for (let j = 0; j < d; j++) out[r * d + j] = (x[r * d + j] - mean) * inv * gain[j] + shift[j];
  }
  return out;
}

/** x[rows×k]·W[k×n] + b[n]. */
function affine(x: Float64Array, rows: number, k: number, w: Float32Array, b: Float32Array, n: number): Float64Array {
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) out[r * n + j] = b[j];
    for (let t = 0; t < k; t++) {
      const xv = x[r * k + t];
      if (xv === 0) continue;
      for (let j = 0; j < n; j++) out[r * n + j] += xv * w[t * n + j];
    }
  }
  return out;
}

export function referenceForward(weights: TinyGptWeights, inputIds: readonly number[]): ReferenceForward {
  const { config, params: p } = weights;
  const { dModel: d, nLayers, nHeads, dFF: f, vocabSize: vocab, maxPositions } = config;
  const eps = config.layerNormEpsilon ?? DEFAULT_LAYER_NORM_EPSILON;
  const s = inputIds.length;
  const bad = inputIds.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
  if (bad >= 0) throw badInput(`token ${bad} is ${inputIds[bad]}, outside the vocabulary 0…${vocab - 1}`, { index: bad });
  if (s > maxPositions) throw badInput(`${s} tokens exceed the model's ${maxPositions} positions`, { tokens: s, maxPositions });
  const dh = d / nHeads;

  let h = new Float64Array(s * d);
  const wte = p['transformer.wte.weight'];
  const wpe = p['transformer.wpe.weight'];
  for (let t = 0; t < s; t++) for (let j = 0; j < d; j++) h[t * d + j] = wte[inputIds[t] * d + j] + wpe[t * d + j];
  const hidden = [h.slice()];

  for (let i = 0; i < nLayers; i++) {
    const w = (suffix: string) => p[`transformer.h.${i}.${suffix}`];
    const x1 = layerNorm(h, s, d, w('ln_1.weight'), w('ln_1.bias'), eps);
    const qkv = affine(x1, s, d, w('attn.c_attn.weight'), w('attn.c_attn.bias'), 3 * d);
    const context = new Float64Array(s * d);
    const scores = new Float64Array(s);
    for (let head = 0; head < nHeads; head++) {
      const qo = head * dh;
      const ko = d + head * dh;
      const vo = 2 * d + head * dh;
      for (let a = 0; a < s; a++) {
        // Causal softmax over keys 0…a of (q_a · k_b)/√d_h.
        let max = -Infinity;
        for (let b = 0; b <= a; b++) {
          let dot = 0;
          for (let j = 0; j < dh; j++) dot += qkv[a * 3 * d + qo + j] * qkv[b * 3 * d + ko + j];
          scores[b] = dot / Math.sqrt(dh);
          if (scores[b] > max) max = scores[b];
        }
        let sum = 0;
        for (let b = 0; b <= a; b++) {
          scores[b] = Math.exp(scores[b] - max);
          sum += scores[b];
        }
        for (let b = 0; b <= a; b++) {
          const pb = scores[b] / sum;
          for (let j = 0; j < dh; j++) context[a * d + qo + j] += pb * qkv[b * 3 * d + vo + j];
        }
      }
    }
    const attnOut = affine(context, s, d, w('attn.c_proj.weight'), w('attn.c_proj.bias'), d);
    for (let k = 0; k < s * d; k++) h[k] += attnOut[k];
    const x2 = layerNorm(h, s, d, w('ln_2.weight'), w('ln_2.bias'), eps);
    const fc = affine(x2, s, d, w('mlp.c_fc.weight'), w('mlp.c_fc.bias'), f);
    for (let k = 0; k < fc.length; k++) fc[k] = geluNew(fc[k]);
    const mlpOut = affine(fc, s, f, w('mlp.c_proj.weight'), w('mlp.c_proj.bias'), d);
    h = h.slice();
    for (let k = 0; k < s * d; k++) h[k] += mlpOut[k];
    hidden.push(h.slice());
  }

  const final = layerNorm(h, s, d, p['transformer.ln_f.weight'], p['transformer.ln_f.bias'], eps);
  const logits = new Float64Array(s * vocab);
  for (let t = 0; t < s; t++) {
    for (let v = 0; v < vocab; v++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += final[t * d + j] * wte[v * d + j];
      logits[t * vocab + v] = dot;
    }
  }
  return { hidden, logits };
}
