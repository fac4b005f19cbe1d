import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { CortexError } from '../../../errors/CortexError.js';
import { referenceForward } from '../../../compute/models/referenceForward.js';
import { tinyGptMix, tinyGptParamCount, tinyGptWeights, weightsAlongTrajectory } from '../../../compute/models/tinyGpt.js';
import type { TinyGptConfig } from '../../../compute/models/tinyGpt.js';
import { hiddenStateOutputName, tinyGptOnnx } from '../../../compute/models/tinyGptOnnx.js';
import { decodeOnnxModel } from '../../../compute/onnx/onnxProto.js';

const CONFIG: TinyGptConfig = { vocabSize: 211, dModel: 64, nLayers: 4, nHeads: 4, dFF: 256, maxPositions: 48 };
// Larger-than-GPT-2 weights, random biases and LayerNorm parameters: every term of the forward
// pass contributes visibly, so a wrong transpose, scale or mask cannot hide under the residual.
const INIT = { std: 0.15, biasStd: 0.1, layerNormStd: 0.2 };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function ids(batch: readonly number[][]): ort.Tensor {
  const s = batch[0].length;
  return new ort.Tensor('int64', BigInt64Array.from(batch.flat(), (v) => BigInt(v)), [batch.length, s]);
}

const SEQUENCES = [
  [5, 17, 210, 0, 42, 42, 7, 100, 3, 150, 61, 9],
  [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
  [200, 199, 198, 3, 3, 3, 3, 50, 60, 70, 80, 90],
];

describe('tinyGptOnnx', () => {
  const weights = tinyGptWeights({ ...CONFIG, seed: 7, init: INIT });

  it('outputs every hidden state and the logits of the reference forward pass (max abs error < 1e-4)', async () => {
    const session = await ort.InferenceSession.create(tinyGptOnnx(weights), { intraOpNumThreads: 2 });
    expect(session.outputNames).toEqual(['logits', ...[0, 1, 2, 3, 4].map(hiddenStateOutputName)]);
    const out = await session.run({ input_ids: ids(SEQUENCES) });
    const s = SEQUENCES[0].length;
    SEQUENCES.forEach((seq, b) => {
      const ref = referenceForward(weights, seq);
      for (let layer = 0; layer <= CONFIG.nLayers; layer++) {
        const got = (out[hiddenStateOutputName(layer)].data as Float32Array).subarray(b * s * 64, (b + 1) * s * 64);
        expect(maxAbsDiff(got, ref.hidden[layer])).toBeLessThan(1e-4);
      }
      const logits = (out.logits.data as Float32Array).subarray(b * s * 211, (b + 1) * s * 211);
      expect(maxAbsDiff(logits, ref.logits)).toBeLessThan(1e-4);
    });
    // The blocks change the residual stream materially (the comparison above is not vacuous).
    const ref = referenceForward(weights, SEQUENCES[0]);
    expect(maxAbsDiff(ref.hidden[4], ref.hidden[0])).toBeGreaterThan(0.5);
    await session.release();
  });

  it('is causal: a token’s states do not depend on later tokens', () => {
    const a = referenceForward(weights, [5, 6, 7, 8]);
    const b = referenceForward(weights, [5, 6, 7, 99]);
    expect(maxAbsDiff(a.hidden[4].subarray(0, 3 * 64), b.hidden[4].subarray(0, 3 * 64))).toBe(0);
    expect(maxAbsDiff(a.hidden[4].subarray(3 * 64), b.hidden[4].subarray(3 * 64))).toBeGreaterThan(0);
  });

  it('writes an optimum-style graph (attention mask, past key values, no hidden outputs) with the same logits', async () => {
    const bytes = tinyGptOnnx(weights, { hiddenStates: false, attentionMask: true, pastKeyValues: true });
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 2 });
    expect(session.inputNames).toEqual([
      'input_ids',
      'attention_mask',
      ...[0, 1, 2, 3].flatMap((i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]),
    ]);
    expect(session.outputNames).toEqual(['logits', ...[0, 1, 2, 3].flatMap((i) => [`present.${i}.key`, `present.${i}.value`])]);
    const seq = SEQUENCES[0];
    const feeds: Record<string, ort.Tensor> = {
      input_ids: ids([seq]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(seq.length).fill(1n), [1, seq.length]),
    };
    for (let i = 0; i < 4; i++) {
      for (const kv of ['key', 'value']) feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, 4, 0, 16]);
    }
    const out = await session.run(feeds);
    expect(maxAbsDiff(out.logits.data as Float32Array, referenceForward(weights, seq).logits)).toBeLessThan(1e-4);
    expect(out['present.0.key'].dims).toEqual([1, 4, seq.length, 16]);

    // Decoding with a cache: feeding the first 8 tokens' present as past gives the last 4 tokens' logits.
    const head = await session.run({ ...feeds, input_ids: ids([seq.slice(0, 8)]), attention_mask: new ort.Tensor('int64', new BigInt64Array(8).fill(1n), [1, 8]) });
    const cached: Record<string, ort.Tensor> = {
      input_ids: ids([seq.slice(8)]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(12).fill(1n), [1, 12]),
    };
    for (let i = 0; i < 4; i++) for (const kv of ['key', 'value']) cached[`past_key_values.${i}.${kv}`] = head[`present.${i}.${kv}`];
    const tail = await session.run(cached);
    expect(maxAbsDiff(tail.logits.data as Float32Array, referenceForward(weights, seq).logits.subarray(8 * 211))).toBeLessThan(1e-4);
    await session.release();
  });

  it('names nodes like torch.onnx and records the configuration in the metadata', () => {
    const model = decodeOnnxModel(tinyGptOnnx(weights, { hiddenStates: false, modelId: 'm', step: 3 }), 'tiny', { structureOnly: true });
    const names = model.graph.node.map((n) => n.name);
    expect(names).toContain('/transformer/h.0/Add');
    expect(names).toContain('/transformer/h.3/Add_1');
    expect(names).toContain('/transformer/h.0/ln_1/LayerNormalization');
    expect(model.opsetImport).toEqual([{ domain: '', version: 17 }]);
    expect(model.metadataProps).toEqual([
      { key: 'cortexql.tinyGpt', value: JSON.stringify({ ...CONFIG, layerNormEpsilon: 1e-5 }) },
      { key: 'cortexql.model', value: 'm' },
      { key: 'cortexql.step', value: '3' },
    ]);
    // Structure-only decoding skips the weights but keeps the initializers' names and dims.
    const wte = model.graph.initializer?.find((t) => t.name === 'transformer.wte.weight');
    expect(wte).toEqual({ name: 'transformer.wte.weight', dims: [211, 64], dataType: 1, externalData: [] });
  });
});

describe('tinyGptWeights and trajectories', () => {
  it('is a deterministic function of the seed', () => {
    const a = tinyGptOnnx(tinyGptWeights({ ...CONFIG, seed: 3 }));
    const b = tinyGptOnnx(tinyGptWeights({ ...CONFIG, seed: 3 }));
    const c = tinyGptOnnx(tinyGptWeights({ ...CONFIG, seed: 4 }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('follows GPT-2 initialisation: std 0.02 weights, residual projections scaled by 1/√(2L), unit gains', () => {
    const w = tinyGptWeights({ ...CONFIG, seed: 1 });
    const sd = (a: Float32Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);
    expect(sd(w.params['transformer.wte.weight'])).toBeCloseTo(0.02, 3);
    expect(sd(w.params['transformer.h.0.mlp.c_proj.weight'])).toBeCloseTo(0.02 / Math.sqrt(8), 3);
    expect([...w.params['transformer.h.1.ln_2.weight']].every((x) => x === 1)).toBe(true);
    expect([...w.params['transformer.h.1.attn.c_attn.bias']].every((x) => x === 0)).toBe(true);
    expect(tinyGptParamCount(CONFIG)).toBe(211 * 64 + 48 * 64 + 4 * (4 * 64 + 64 * 192 + 192 + 64 * 64 + 64 + 64 * 256 + 256 + 256 * 64 + 64) + 2 * 64);
  });

  it('interpolates weights: α = 0 and 1 are the endpoints, α = ½ the midpoint', () => {
    const start = tinyGptWeights({ ...CONFIG, seed: 1 });
    const end = tinyGptWeights({ ...CONFIG, seed: 2 });
    const [w0, wHalf, w1] = weightsAlongTrajectory(start, end, [0, 0.5, 1]);
    const name = 'transformer.h.2.attn.c_attn.weight';
    expect(w0.params[name]).toEqual(start.params[name]);
    expect(w1.params[name]).toEqual(end.params[name]);
    expect(wHalf.params[name][5]).toBeCloseTo((start.params[name][5] + end.params[name][5]) / 2, 7);
  });

  it('rejects bad configurations and mixes, listing every problem', () => {
    expect(() => tinyGptWeights({ ...CONFIG, seed: 1, dModel: 30, nLayers: 0 })).toThrow(
      new CortexError('BAD_USER_INPUT', 'tiny GPT config: nLayers must be a positive integer, got 0; dModel 30 is not a multiple of nHeads 4', {
        problems: ['nLayers must be a positive integer, got 0', 'dModel 30 is not a multiple of nHeads 4'],
      }),
    );
    try {
      tinyGptMix([
        { weights: tinyGptWeights({ ...CONFIG, seed: 1 }), coefficient: 1 },
        { weights: tinyGptWeights({ ...CONFIG, seed: 1, dFF: 128 }), coefficient: Number.NaN },
      ]);
      expect.unreachable();
    } catch (e) {
      expect((e as CortexError).toJSON()).toEqual({
        code: 'BAD_USER_INPUT',
        message: 'tinyGptMix: term 1 has a different configuration; term 1 has coefficient NaN',
        details: { problems: ['term 1 has a different configuration', 'term 1 has coefficient NaN'] },
      });
    }
  });
});
