/**
 * How the extractor fills every input of a decoder graph for a fresh, right-padded batch — decided
 * from the inputs' names, types and shapes, either from a session's input metadata (at
 * extraction) or from the graph's declared inputs (at registration, without loading weights).
 *
 *   input_ids            the token ids (int64 or int32)
 *   attention_mask       1 for tokens, 0 for padding (its length is the total length: no past)
 *   position_ids         0 … seq − 1 per row
 *   token_type_ids       0
 *   use_cache_branch     false (optimum's merged decoders)
 *   past… / cache…       cached state from earlier tokens — there are none: each symbolic dimension
 *                        that is not the batch (the past length) is 0, so KV caches are empty
 *                        (optimum `past_key_values.{i}.key`, builder `past_key_values.{i}.key`,
 *                        fused GPT-2 `past_{i}` [2, batch, heads, past, head_dim]); a state of
 *                        fixed size (LFM2's convolution cache `past_conv.{i}` [batch, channels, k])
 *                        is zeros, the state before the first token.
 *
 * Any other input fails, with all unknown inputs named.
 */
import ort from 'onnxruntime-node';
import { badInput } from '../../errors/CortexError.js';
import { OnnxDataType, type OnnxModel } from '../onnx/onnxProto.js';

export type FeedKind = 'ids' | 'mask' | 'positions' | 'state' | 'zeros' | 'cacheBranch';

/** One graph input: name, element type (onnxruntime's names) and shape (numbers fixed, strings symbolic). */
export interface InputSpec {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

export interface FeedPlan {
  readonly name: string;
  readonly kind: FeedKind;
  readonly type: ort.Tensor.Type;
  /** Shape with -1 for the batch and 0 for a past length. */
  readonly shape: readonly number[];
}

const STATE = /^(past|cache)/i;
const INT_TYPES = new Set(['int64', 'int32']);

export function planFeeds(inputs: readonly InputSpec[], label: string): FeedPlan[] {
  const plans: FeedPlan[] = [];
  const problems: string[] = [];
  for (const meta of inputs) {
    const { name } = meta;
    const described = `${name} (${meta.type} [${meta.shape.join(', ')}])`;
    if (!meta.isTensor) {
      problems.push(`input ${name} is not a tensor`);
      continue;
    }
    let kind: FeedKind | undefined;
    if (name === 'input_ids') kind = 'ids';
    else if (name === 'attention_mask') kind = 'mask';
    else if (name === 'position_ids') kind = 'positions';
    else if (name === 'token_type_ids') kind = 'zeros';
    else if (name === 'use_cache_branch') kind = 'cacheBranch';
    else if (STATE.test(name)) kind = 'state';
    if (kind === undefined) {
      problems.push(`input ${described} is not one the extractor knows how to fill`);
      continue;
    }
    const type = meta.type as ort.Tensor.Type;
    if (kind === 'state') {
      const shape = stateShape(meta.shape);
      if (shape === null) problems.push(`cached-state input ${described} has no batch dimension or an unknown size`);
      else if (type !== 'float32' && type !== 'float16') problems.push(`cached-state input ${described} is not float32 or float16`);
      else plans.push({ name, kind, type, shape });
      continue;
    }
    if (kind === 'cacheBranch' ? type !== 'bool' : kind === 'mask' ? !INT_TYPES.has(type) && type !== 'float32' : !INT_TYPES.has(type)) {
      problems.push(`input ${described} has an unsupported type`);
      continue;
    }
    plans.push({ name, kind, type, shape: meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) });
  }
  if (!plans.some((p) => p.kind === 'ids')) problems.push('the model has no input_ids input');
  if (problems.length > 0) throw badInput(`${label}: cannot feed the model: ${problems.join('; ')}`, { file: label, problems });
  return plans;
}

/**
 * [batch → -1, past length → 0, fixed sizes kept]: the batch is the symbolic dimension whose
 * name says so (else the first symbolic one); every other symbolic dimension is a past length.
 */
function stateShape(dims: readonly (number | string)[]): number[] | null {
  const symbolic = dims.flatMap((d, i) => (typeof d === 'number' && d >= 0 ? [] : [i]));
  if (symbolic.length === 0) return null;
  const batch = symbolic.find((i) => /batch/i.test(String(dims[i]))) ?? symbolic[0];
  return dims.map((d, i) => (i === batch ? -1 : typeof d === 'number' && d >= 0 ? d : 0));
}

const ORT_TYPE: Readonly<Record<number, string>> = {
  [OnnxDataType.FLOAT]: 'float32',
  [OnnxDataType.FLOAT16]: 'float16',
  [OnnxDataType.INT32]: 'int32',
  [OnnxDataType.INT64]: 'int64',
  [OnnxDataType.BOOL]: 'bool',
  [OnnxDataType.DOUBLE]: 'float64',
  [OnnxDataType.BFLOAT16]: 'bfloat16',
};

/** The graph's declared inputs (initializers excluded), as a session would list them. */
export function declaredInputs(model: OnnxModel): InputSpec[] {
  const initializers = new Set((model.graph.initializer ?? []).map((t) => t.name));
  return (model.graph.input ?? [])
    .filter((v) => !initializers.has(v.name))
    .map((v) => {
      const tensor = v.type?.tensorType;
      const elem = tensor?.elemType;
      return {
        name: v.name,
        isTensor: tensor !== undefined,
        type: elem === undefined ? 'undefined' : ORT_TYPE[elem] ?? `type ${elem}`,
        shape: (tensor?.shape?.dim ?? []).map((d) => (d.dimValue !== undefined ? d.dimValue : d.dimParam ?? '?')),
      };
    });
}

function intTensor(type: ort.Tensor.Type, values: Int32Array, dims: readonly number[]): ort.Tensor {
  if (type === 'int64') return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
  return new ort.Tensor('int32', values, dims);
}

/** The tensor for one input of a batch: `ids` is batch × seq (row-major), `lengths` each row's real length. */
export function feedTensor(f: FeedPlan, ids: Int32Array, batch: number, seq: number, lengths: readonly number[]): ort.Tensor {
  switch (f.kind) {
    case 'ids':
      return intTensor(f.type, ids, [batch, seq]);
    case 'mask': {
      const m = new Int32Array(batch * seq);
      for (let b = 0; b < batch; b++) m.fill(1, b * seq, b * seq + lengths[b]);
      return f.type === 'float32' ? new ort.Tensor('float32', Float32Array.from(m), [batch, seq]) : intTensor(f.type, m, [batch, seq]);
    }
    case 'positions': {
      const p = new Int32Array(batch * seq);
      for (let b = 0; b < batch; b++) for (let s = 0; s < seq; s++) p[b * seq + s] = s;
      return intTensor(f.type, p, [batch, seq]);
    }
    case 'zeros':
      return intTensor(f.type, new Int32Array(batch * seq), [batch, seq]);
    case 'cacheBranch':
      return new ort.Tensor('bool', Uint8Array.of(0), [1]);
    case 'state': {
      const dims = f.shape.map((d) => (d === -1 ? batch : d));
      const count = dims.reduce((a, d) => a * d, 1);
      if (f.type === 'float16') return new ort.Tensor('float16', new Uint16Array(count), dims);
      return new ort.Tensor('float32', new Float32Array(count), dims);
    }
  }
}
