/**
 * A small builder of ONNX graphs that names nodes and tensors the way `torch.onnx.export` does
 * (the TorchScript exporter behind Hugging Face optimum): a node in module scope
 * `/transformer/h.0/attn` of type MatMul is `/transformer/h.0/attn/MatMul`, the next one
 * `/transformer/h.0/attn/MatMul_1`, and its first output `/transformer/h.0/attn/MatMul_output_0`.
 * Graphs built here therefore look, to name-based tools such as hiddenStateSurgery.ts, like
 * exported PyTorch models.
 *
 *   const g = new OnnxGraphBuilder();
 *   const [y] = g.op('/block', 'MatMul', ['x', 'w']);   // y = '/block/MatMul_output_0'
 *   g.op('/block', 'Relu', [y], [], { outputs: ['out'] }); // explicit output name
 */
import { OnnxAttributeType } from './onnxProto.js';
import type { OnnxAttribute, OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo } from './onnxProto.js';

export function attrInt(name: string, i: number): OnnxAttribute {
  return { name, type: OnnxAttributeType.INT, i };
}

export function attrFloat(name: string, f: number): OnnxAttribute {
  return { name, type: OnnxAttributeType.FLOAT, f };
}

export function attrInts(name: string, ints: readonly number[]): OnnxAttribute {
  return { name, type: OnnxAttributeType.INTS, ints: [...ints] };
}

export class OnnxGraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly initializerNames = new Set<string>();
  private readonly counts = new Map<string, number>();

  /**
   * Appends a node; returns its output names. `outputs` names them explicitly, else `count`
   * outputs (default 1) are named `<node>_output_<k>`.
   */
  op(
    scope: string,
    opType: string,
    inputs: readonly string[],
    attributes: readonly OnnxAttribute[] = [],
    options: { readonly outputs?: readonly string[]; readonly count?: number } = {},
  ): string[] {
    const base = `${scope}/${opType}`;
    const seen = this.counts.get(base) ?? 0;
    this.counts.set(base, seen + 1);
    const name = seen === 0 ? base : `${base}_${seen}`;
    const outputs = options.outputs ?? Array.from({ length: options.count ?? 1 }, (_, k) => `${name}_output_${k}`);
    this.nodes.push({ name, opType, input: [...inputs], output: [...outputs], ...(attributes.length > 0 ? { attribute: attributes } : {}) });
    return [...outputs];
  }

  /** Like `op` for a single-output node: returns the output name. */
  op1(scope: string, opType: string, inputs: readonly string[], attributes: readonly OnnxAttribute[] = [], output?: string): string {
    return this.op(scope, opType, inputs, attributes, output === undefined ? {} : { outputs: [output] })[0];
  }

  /** Adds an initializer once (a second call with the same name is ignored); returns its name. */
  initializer(tensor: OnnxTensor & { readonly name: string }): string {
    if (!this.initializerNames.has(tensor.name)) {
      this.initializerNames.add(tensor.name);
      this.initializers.push(tensor);
    }
    return tensor.name;
  }

  graph(name: string, input: readonly OnnxValueInfo[], output: readonly OnnxValueInfo[]): OnnxGraph {
    return { name, node: [...this.nodes], initializer: [...this.initializers], input: [...input], output: [...output] };
  }
}
