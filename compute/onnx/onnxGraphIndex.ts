/**
 * Who produces and who consumes each tensor of an ONNX graph, and what feeds what — the queries
 * graph surgery asks (compute/models/hiddenStateSurgery.ts, fusedResidualPlan.ts).
 *
 *   const index = indexGraph(model);
 *   index.producer.get('/model/layers.0/Add_1_output_0')   // the node computing it
 *   dependsOn(index, 'logits', 'input_ids')                // true
 */
import type { OnnxModel, OnnxNode } from './onnxProto.js';

export interface GraphIndex {
  readonly producer: ReadonlyMap<string, OnnxNode>;
  readonly consumers: ReadonlyMap<string, readonly OnnxNode[]>;
  /** Graph output names. */
  readonly outputs: ReadonlySet<string>;
  /** Every named tensor: node outputs and graph inputs. */
  readonly known: ReadonlySet<string>;
  /** Graph inputs that are not initializers (what a caller feeds). */
  readonly feeds: ReadonlySet<string>;
  /** Position of each node in the graph's node list. */
  readonly position: ReadonlyMap<OnnxNode, number>;
}

export function indexGraph(model: OnnxModel): GraphIndex {
  const producer = new Map<string, OnnxNode>();
  const consumers = new Map<string, OnnxNode[]>();
  const known = new Set<string>();
  const position = new Map<OnnxNode, number>();
  model.graph.node.forEach((node, i) => {
    position.set(node, i);
    for (const out of node.output ?? []) {
      if (out === '') continue;
      producer.set(out, node);
      known.add(out);
    }
    for (const input of node.input ?? []) {
      if (input === '') continue;
      const list = consumers.get(input);
      if (list === undefined) consumers.set(input, [node]);
      else list.push(node);
    }
  });
  const initializers = new Set((model.graph.initializer ?? []).map((t) => t.name));
  const feeds = new Set<string>();
  for (const v of model.graph.input ?? []) {
    known.add(v.name);
    if (!initializers.has(v.name)) feeds.add(v.name);
  }
  return { producer, consumers, outputs: new Set((model.graph.output ?? []).map((o) => o.name)), known, feeds, position };
}

/**
 * The nodes `tensor` is computed from (its producer and everything upstream), walking back until
 * `stop` says a tensor is a boundary (its producer is not entered) — breadth first.
 */
export function upstreamNodes(index: GraphIndex, tensor: string, stop: (tensor: string) => boolean = () => false): Set<OnnxNode> {
  const seen = new Set<OnnxNode>();
  const queue = [tensor];
  while (queue.length > 0) {
    const t = queue.pop()!;
    if (stop(t)) continue;
    const node = index.producer.get(t);
    if (node === undefined || seen.has(node)) continue;
    seen.add(node);
    for (const input of node.input ?? []) if (input !== '') queue.push(input);
  }
  return seen;
}

/**
 * Whether computing tensor `a` needs tensor `b` or the node that computes it (directly or
 * through other nodes). Node-level on purpose: a fused node's outputs come together, so a branch
 * fed by EmbedLayerNormalization's output 0 counts as downstream of its output 2.
 */
export function dependsOn(index: GraphIndex, a: string, b: string): boolean {
  if (a === b) return true;
  const source = index.producer.get(b);
  for (const node of upstreamNodes(index, a)) if (node === source || (node.input ?? []).includes(b)) return true;
  return false;
}
