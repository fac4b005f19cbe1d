/**
 * The residual stream of fused decoder graphs — onnxruntime-transformers optimizer output and
 * onnxruntime-genai model-builder exports — where every residual addition lives inside a
 * `SkipLayerNormalization` / `SkipSimplifiedLayerNormalization` node (com.microsoft):
 *
 *   outputs = LayerNorm(input + skip + bias), mean, inv_std_var, input_skip_bias_sum
 *
 * Output 3, `input_skip_bias_sum` (onnxruntime ContribOperators.md), is the residual stream after
 * the addition. Exporters name it where the next residual addition reads it and leave it unnamed
 * on the last node (the final norm), so the residual stream after the last block exists only
 * inside that node — surgery names output 3 there (onnxReplaceNodeOutputs).
 *
 * Tracing (structure only; node names are not trusted, they differ between exporters):
 * 1. The skip nodes form a chain: node k + 1 reads node k's output 3 as its input 0 or 1.
 *    The longest chain is the decoder's residual stream.
 * 2. r₀, the stream entering the first node, is the first node's input that the other input is
 *    computed from (the other is the sublayer's branch): the embedding output (GPT-2:
 *    EmbedLayerNormalization's output 2, wte + wpe; Llama: the token embedding Gather).
 *    r_k is node k's output 3.
 * 3. Sublayer k's branch (the nodes its skip input is computed from, back to the previous
 *    residual) is a *token mixer* when it holds an attention node (an op type ending in
 *    `Attention`: Attention, MultiHeadAttention, GroupQueryAttention, …) or reads a cached-state
 *    graph input (`past…` / `cache…`: KV caches, LFM2's convolution caches). A block is a mixer
 *    sublayer followed by the non-mixer sublayers (MLPs) up to the next mixer, so
 *
 *    layer 0 = r₀; layer i = the residual stream entering the (i+1)-th mixer; layer L = r_N,
 *
 *    i.e. layer i ≥ 1 is the output of block i − 1, exactly as for torch exports — for a
 *    sequential pre-norm decoder (GPT-2, Llama, Qwen) every second r_k, for parallel blocks
 *    (one addition per block) every r_k.
 */
import { dependsOn, upstreamNodes, type GraphIndex } from '../onnx/onnxGraphIndex.js';
import type { OnnxModel, OnnxNode, OnnxNodeOutputsEdit } from '../onnx/onnxProto.js';

export const SKIP_NORMS: ReadonlySet<string> = new Set(['SkipLayerNormalization', 'SkipSimplifiedLayerNormalization']);
const RESIDUAL_OUTPUT = 3;
const MIXER_OP = /Attention$/;
const STATE_INPUT = /^(past|cache)/i;

export interface FusedResidualPlan {
  readonly tensors: readonly string[];
  /** Skip nodes whose output 3 must be named (the last one, usually). */
  readonly nodeOutputs: readonly OnnxNodeOutputsEdit[];
  readonly description: string;
}

/** The residual-stream plan of a fused graph, or the reason there is none. */
export function fusedResidualPlan(model: OnnxModel, index: GraphIndex): FusedResidualPlan | { readonly problem: string } {
  const skips = model.graph.node.filter((n) => SKIP_NORMS.has(n.opType));
  if (skips.length === 0) return { problem: 'no SkipLayerNormalization / SkipSimplifiedLayerNormalization nodes' };
  const residualOut = (n: OnnxNode): string | undefined => (n.output[RESIDUAL_OUTPUT] ? n.output[RESIDUAL_OUTPUT] : undefined);
  const skipOfResidual = new Map<string, OnnxNode>();
  for (const n of skips) {
    const r = residualOut(n);
    if (r !== undefined) skipOfResidual.set(r, n);
  }
  // 1. Chains: next[a] = the skip node reading a's output 3 as input 0 or 1.
  const next = new Map<OnnxNode, OnnxNode>();
  const hasPrevious = new Set<OnnxNode>();
  for (const n of skips) {
    const prev = [n.input[0], n.input[1]].map((t) => (t ? skipOfResidual.get(t) : undefined)).filter((p): p is OnnxNode => p !== undefined);
    if (prev.length > 1) return { problem: `${describe(n, index)} adds two residual streams` };
    if (prev.length === 1) {
      if (next.has(prev[0])) return { problem: `the residual stream of ${describe(prev[0], index)} feeds two skip normalisations` };
      next.set(prev[0], n);
      hasPrevious.add(n);
    }
  }
  const chains = skips.filter((n) => !hasPrevious.has(n)).map((head) => {
    const chain = [head];
    for (let n = next.get(head); n !== undefined; n = next.get(n)) chain.push(n);
    return chain;
  });
  chains.sort((a, b) => b.length - a.length);
  if (chains.length > 1 && chains[0].length === chains[1].length) return { problem: `${chains.length} separate residual chains of ${chains[0].length} skip normalisations; none is the decoder's` };
  const chain = chains[0];

  // 2. r₀ and the residual input of every node.
  const [x, y] = [chain[0].input[0], chain[0].input[1]];
  if (!x || !y) return { problem: `${describe(chain[0], index)} lacks its input or skip` };
  const xFirst = dependsOn(index, y, x);
  const yFirst = dependsOn(index, x, y);
  if (xFirst === yFirst) return { problem: `cannot tell which input of ${describe(chain[0], index)} is the residual stream` };
  const residuals = [xFirst ? x : y];
  for (const n of chain.slice(0, -1)) residuals.push(residualOut(n)!);

  // 3. Mixer sublayers and block boundaries.
  const chainNodes = new Set(chain);
  const isResidual = new Set(residuals);
  const mixer = chain.map((n, k) => {
    const skip = n.input[0] === residuals[k] ? n.input[1] : n.input[0];
    const branch = upstreamNodes(index, skip, (t) => {
      const producer = index.producer.get(t);
      return isResidual.has(t) || (producer !== undefined && chainNodes.has(producer));
    });
    for (const b of branch) {
      if (MIXER_OP.test(b.opType)) return true;
      if ((b.input ?? []).some((t) => index.feeds.has(t) && STATE_INPUT.test(t))) return true;
    }
    return false;
  });
  if (!mixer[0]) return { problem: `the first residual addition (${describe(chain[0], index)}) adds no attention or other token-mixing sublayer` };

  const last = chain[chain.length - 1];
  const nodeOutputs: OnnxNodeOutputsEdit[] = [];
  let lastResidual = residualOut(last);
  if (lastResidual === undefined) {
    lastResidual = uniqueName(`${last.name || 'skip_norm'}/cortexql_residual_output`, index);
    const outputs = [...last.output];
    while (outputs.length < RESIDUAL_OUTPUT) outputs.push('');
    outputs[RESIDUAL_OUTPUT] = lastResidual;
    nodeOutputs.push({ node: index.position.get(last)!, outputs });
  }
  residuals.push(lastResidual);
  const tensors = [residuals[0]];
  for (let k = 1; k < chain.length; k++) if (mixer[k]) tensors.push(residuals[k]);
  tensors.push(lastResidual);
  const blocks = tensors.length - 1;
  return {
    tensors,
    nodeOutputs,
    description: `fused residual stream: ${blocks} blocks over ${chain.length} ${[...new Set(chain.map((n) => n.opType))].join('/')} nodes (output 3), embedding ${tensors[0]}`,
  };
}

function describe(node: OnnxNode, index: GraphIndex): string {
  return node.name ? `${node.opType} ${node.name}` : `${node.opType} node #${index.position.get(node)}`;
}

function uniqueName(base: string, index: GraphIndex): string {
  let name = base;
  for (let i = 1; index.known.has(name); i++) name = `${base}_${i}`;
  return name;
}
