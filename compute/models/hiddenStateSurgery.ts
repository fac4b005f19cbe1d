/**
 * Finds each layer's residual-stream tensor in an ONNX decoder graph and, where needed, makes
 * it a graph output (docs/hidden-states.md). Layer 0 is the embedding output (the residual
 * stream entering block 0); layer i ≥ 1 is the output of block i − 1.
 *
 * Four ways, tried in this order:
 * 1. `manifest` given: `{ "0": tensor, "1": tensor, … }` (or an array), used as is after
 *    checking that every tensor exists. The fallback for any graph the heuristics miss.
 * 2. Graph outputs named `hidden_state.{i}` / `hidden_states.{i}` / `hidden_states_{i}` /
 *    `all_hidden_states.{i}` for i = 0 … L (tinyGptOnnx.ts writes the first form): no surgery.
 * 3. torch.onnx (TorchScript) export names, as Hugging Face optimum produces them: nodes are
 *    named after their module scope, so block i's residual additions are `Add` nodes directly in
 *    the scope `<prefix>.{i}` where the prefix ends in `layers`, `layer`, `h`, `blocks` or
 *    `block` — `/transformer/h.3/Add_1` (GPT-2), `/model/layers.3/Add_1` (Llama, Mistral, OLMo,
 *    Qwen), `/gpt_neox/layers.3/Add_1` (Pythia), `/model/decoder/layers.3/Add_1` (OPT).
 *    - block i's output = the output of the last such `Add` of the block (in graph order);
 *    - the embedding output = the input of a block-0 `Add` that is computed outside block 0
 *      (the residual branch: `/transformer/Add_output_0` for GPT-2's wte + wpe,
 *      `/model/embed_tokens/Gather_output_0` for Llama);
 *    - checks: block i's output must be consumed inside block i + 1 (the residual stream flows
 *      on), else the match is rejected rather than guessed.
 *    Blocks must be numbered 0 … L − 1 without gaps; among several prefixes (an encoder and a
 *    decoder) the one with most blocks wins. Graphs that keep their layers inside `If` branches
 *    (optimum's `decoder_model_merged.onnx`) expose no block tensors in the main graph: use
 *    `decoder_model.onnx` or `decoder_with_past_model.onnx`, or give a manifest.
 * 4. Fused graphs (onnxruntime-transformers optimizer, onnxruntime-genai model builder): the
 *    residual stream runs through the optional output 3 of SkipLayerNormalization /
 *    SkipSimplifiedLayerNormalization nodes (fusedResidualPlan.ts), tried instead of 3 when the
 *    graph has such nodes (3 remains the fallback for partly fused torch exports). Surgery also
 *    names output 3 where the exporter left it unnamed (`nodeOutputs`).
 *
 *   const plan = planHiddenStates(decodeOnnxModel(bytes, 'model.onnx', { structureOnly: true }));
 *   plan.tensors  // ['/transformer/Add_output_0', '/transformer/h.0/Add_1_output_0', …]
 *   const withOutputs = applyHiddenStatePlan(bytes, model, plan);
 */
import { badInput } from '../../errors/CortexError.js';
import { indexGraph, type GraphIndex } from '../onnx/onnxGraphIndex.js';
import { onnxAppendGraphOutputs, onnxReplaceNodeOutputs } from '../onnx/onnxProto.js';
import type { OnnxModel, OnnxNode, OnnxNodeOutputsEdit, OnnxValueInfo } from '../onnx/onnxProto.js';
import { fusedResidualPlan, SKIP_NORMS } from './fusedResidualPlan.js';

/** `{ "0": tensorName, … }` or `[tensorName, …]`: layer → residual-stream tensor. */
export type LayerManifest = Readonly<Record<string, string>> | readonly string[];

export type HiddenStateMethod = 'manifest' | 'graph-outputs' | 'torch-export-names' | 'fused-residual';

export interface HiddenStatePlan {
  readonly method: HiddenStateMethod;
  /** Tensor of layer i (0 = embedding output), i = 0 … L. */
  readonly tensors: readonly string[];
  /** Those that are not graph outputs yet (surgery adds them). */
  readonly added: readonly string[];
  /** Fused nodes whose optional outputs surgery names first (fusedResidualPlan.ts). */
  readonly nodeOutputs: readonly OnnxNodeOutputsEdit[];
  /** What was matched, for provenance (e.g. "blocks /transformer/h.{i}, 4 blocks"). */
  readonly description: string;
}

const MANIFEST_HINT =
  'give a layers manifest { "0": tensor, "1": tensor, … } naming each layer\'s residual-stream tensor (--layers-manifest FILE, or layersManifest in the mutation)' +
  " (for optimum's decoder_model_merged.onnx, use decoder_model.onnx instead: the merged graph keeps its layers inside If branches)";

const OUTPUT_NAME = /^(?:all_)?hidden_states?[._](\d+)$/;
const BLOCK_ADD = /^(.*[/.](?:layers|layer|h|blocks|block))\.(\d+)\/Add(?:_\d+)?$/;

export function planHiddenStates(model: OnnxModel, manifest?: LayerManifest, label = 'model'): HiddenStatePlan {
  const index = indexGraph(model);
  if (manifest !== undefined) return fromManifest(manifest, index, label);
  const outputs = fromOutputNames(model, index);
  if (outputs !== null) return outputs;
  if (!model.graph.node.some((n) => SKIP_NORMS.has(n.opType))) return fromTorchNames(model, index, label);
  const fused = fusedResidualPlan(model, index);
  if (!('problem' in fused)) return finish('fused-residual', [...fused.tensors], index, fused.description, fused.nodeOutputs);
  // A torch export partly fused by an optimizer may still carry its block names.
  try {
    return fromTorchNames(model, index, label);
  } catch {
    throw badInput(`${label}: cannot trace the residual stream through its fused normalisations: ${fused.problem}; ${MANIFEST_HINT}`, { file: label, problems: [fused.problem] });
  }
}

function finish(method: HiddenStateMethod, tensors: string[], index: GraphIndex, description: string, nodeOutputs: readonly OnnxNodeOutputsEdit[] = []): HiddenStatePlan {
  return { method, tensors, added: tensors.filter((t) => !index.outputs.has(t)), nodeOutputs, description };
}

function fromManifest(manifest: LayerManifest, index: GraphIndex, label: string): HiddenStatePlan {
  const entries: [string, string][] = Array.isArray(manifest)
    ? (manifest as readonly string[]).map((t, i) => [String(i), t])
    : Object.entries(manifest as Readonly<Record<string, string>>);
  const problems: string[] = [];
  const tensors: string[] = [];
  for (const [key, tensor] of entries) {
    const layer = Number(key);
    if (!/^\d+$/.test(key) || layer >= entries.length) problems.push(`layer '${key}' is not one of 0…${entries.length - 1}`);
    else if (typeof tensor !== 'string' || !index.known.has(tensor)) problems.push(`layer ${key}: no tensor named '${String(tensor)}' in the graph`);
    else if (index.feeds.has(tensor)) problems.push(`layer ${key}: '${tensor}' is a graph input, not a hidden state`);
    else tensors[layer] = tensor;
  }
  if (entries.length === 0) problems.push('a manifest names at least layer 0');
  if (problems.length > 0) throw badInput(`${label}: bad hidden-state manifest: ${problems.join('; ')}`, { file: label, problems });
  return finish('manifest', tensors, index, `manifest of ${tensors.length} tensors`);
}

function fromOutputNames(model: OnnxModel, index: GraphIndex): HiddenStatePlan | null {
  const byLayer = new Map<number, string>();
  for (const o of model.graph.output ?? []) {
    const m = OUTPUT_NAME.exec(o.name);
    if (m !== null) byLayer.set(Number(m[1]), o.name);
  }
  if (byLayer.size < 2) return null;
  const tensors: string[] = [];
  for (let i = 0; i < byLayer.size; i++) {
    const name = byLayer.get(i);
    if (name === undefined) return null; // not 0…L without gaps: not ours to interpret
    tensors.push(name);
  }
  return finish('graph-outputs', tensors, index, `graph outputs ${tensors[0]} … ${tensors[tensors.length - 1]}`);
}

function fromTorchNames(model: OnnxModel, index: GraphIndex, label: string): HiddenStatePlan {
  // prefix → block → its block-scope Add nodes in graph order
  const prefixes = new Map<string, Map<number, OnnxNode[]>>();
  for (const node of model.graph.node) {
    if (node.opType !== 'Add' || node.name === undefined) continue;
    const m = BLOCK_ADD.exec(node.name);
    if (m === null) continue;
    let blocks = prefixes.get(m[1]);
    if (blocks === undefined) prefixes.set(m[1], (blocks = new Map()));
    const block = Number(m[2]);
    const list = blocks.get(block);
    if (list === undefined) blocks.set(block, [node]);
    else list.push(node);
  }
  const hint = MANIFEST_HINT;
  if (prefixes.size === 0) {
    throw badInput(`${label}: no hidden-state outputs, no fused SkipLayerNormalization chain and no torch-exported decoder blocks (…/layers.N/Add) found; ${hint}`, { file: label });
  }
  const [prefix, blocks] = [...prefixes.entries()].sort((a, b) => b[1].size - a[1].size)[0];
  const problems: string[] = [];
  const nBlocks = blocks.size;
  for (let i = 0; i < nBlocks; i++) if (!blocks.has(i)) problems.push(`block ${prefix}.${i} is missing`);
  if (problems.length > 0) throw badInput(`${label}: decoder blocks ${prefix}.N are not numbered 0…${nBlocks - 1}: ${problems.join('; ')}; ${hint}`, { file: label, problems });

  const inScope = (node: OnnxNode | undefined, block: number): boolean => node?.name?.startsWith(`${prefix}.${block}/`) === true;
  const tensors: string[] = [];
  // Layer 0: the residual input of block 0, i.e. a block-0 Add input computed outside block 0.
  const embedding = blocks
    .get(0)!
    .flatMap((n) => n.input ?? [])
    .find((t) => index.producer.has(t) && !inScope(index.producer.get(t), 0));
  if (embedding === undefined) problems.push(`no input of block ${prefix}.0's additions comes from outside the block (the embedding output)`);
  else tensors.push(embedding);
  for (let i = 0; i < nBlocks; i++) {
    const adds = blocks.get(i)!;
    const out = adds[adds.length - 1].output?.[0];
    if (out === undefined) {
      problems.push(`${adds[adds.length - 1].name} has no output`);
      continue;
    }
    const users = index.consumers.get(out) ?? [];
    if (i + 1 < nBlocks && !users.some((n) => inScope(n, i + 1))) {
      problems.push(`${out} (last addition of block ${i}) does not feed block ${i + 1}`);
    }
    if (i + 1 === nBlocks && users.length === 0 && !index.outputs.has(out)) problems.push(`${out} (last addition of the last block) is unused`);
    tensors.push(out);
  }
  if (problems.length > 0) throw badInput(`${label}: cannot trace the residual stream through ${prefix}.N: ${problems.join('; ')}; ${hint}`, { file: label, problems });
  return finish('torch-export-names', tensors, index, `torch export names: embedding ${tensors[0]}, blocks ${prefix}.{0…${nBlocks - 1}} (last Add of each)`);
}

/**
 * The model bytes with the plan's missing tensors added as graph outputs (onnxAppendGraphOutputs:
 * the original bytes are kept and extended). A tensor's type is copied from the graph's
 * value_info when the exporter recorded it; otherwise the output is left untyped and
 * onnxruntime infers it.
 */
export function applyHiddenStatePlan(bytes: Uint8Array, model: OnnxModel, plan: HiddenStatePlan): Uint8Array {
  if (plan.added.length === 0 && plan.nodeOutputs.length === 0) return bytes;
  const infos = new Map<string, OnnxValueInfo>();
  for (const v of [...(model.graph.valueInfo ?? []), ...(model.graph.input ?? [])]) infos.set(v.name, v);
  const outputs = plan.added.map((name) => {
    const type = infos.get(name)?.type;
    return type === undefined ? { name } : { name, type };
  });
  return onnxAppendGraphOutputs(onnxReplaceNodeOutputs(bytes, plan.nodeOutputs), outputs);
}
