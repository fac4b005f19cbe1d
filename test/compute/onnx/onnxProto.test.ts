import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { attrInt, OnnxGraphBuilder } from '../../../compute/onnx/onnxGraphBuilder.js';
import {
  decodeOnnxModel,
  encodeOnnxModel,
  onnxAppendGraphOutputs,
  onnxFloatTensor,
  onnxReplaceNodeOutputs,
  onnxInt64Tensor,
  onnxTensorFloats,
  onnxValueInfo,
  OnnxDataType,
} from '../../../compute/onnx/onnxProto.js';
import { CortexError } from '../../../errors/CortexError.js';

/** y = relu(x·W) with W an initializer; z = y summed over axis 1 (keepdims 0). */
function smallModel(): Uint8Array {
  const g = new OnnxGraphBuilder();
  g.initializer(onnxFloatTensor('W', [2, 3], Float32Array.of(1, -1, 0.5, 2, 0, -3)));
  g.initializer(onnxInt64Tensor('axes', [1], [1]));
  const h = g.op1('/layer', 'MatMul', ['x', 'W']);
  const y = g.op1('/layer', 'Relu', [h]);
  g.op1('/head', 'ReduceSum', [y, 'axes'], [attrInt('keepdims', 0)], 'z');
  return encodeOnnxModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: g.graph('small', [onnxValueInfo('x', OnnxDataType.FLOAT, ['n', 2])], [onnxValueInfo('z', OnnxDataType.FLOAT, ['n'])]),
  });
}

describe('onnxProto', () => {
  it('round-trips a model, with explicit zeros kept (proto2 presence)', () => {
    const model = decodeOnnxModel(smallModel());
    expect(model.irVersion).toBe(8);
    expect(model.graph.node.map((n) => [n.name, n.opType, n.input, n.output])).toEqual([
      ['/layer/MatMul', 'MatMul', ['x', 'W'], ['/layer/MatMul_output_0']],
      ['/layer/Relu', 'Relu', ['/layer/MatMul_output_0'], ['/layer/Relu_output_0']],
      ['/head/ReduceSum', 'ReduceSum', ['/layer/Relu_output_0', 'axes'], ['z']],
    ]);
    expect(model.graph.node[2].attribute).toEqual([{ name: 'keepdims', type: 2, i: 0, floats: [], ints: [], strings: [], tensors: [], graphs: [] }]);
    expect(Array.from(onnxTensorFloats(model.graph.initializer![0]))).toEqual([1, -1, 0.5, 2, 0, -3]);
  });

  it('adds graph outputs by appending bytes, and onnxruntime computes them', async () => {
    const bytes = smallModel();
    const patched = onnxAppendGraphOutputs(bytes, [{ name: '/layer/Relu_output_0' }]);
    expect(Buffer.from(patched.subarray(0, bytes.length)).equals(Buffer.from(bytes))).toBe(true);
    expect(decodeOnnxModel(patched).graph.output?.map((o) => o.name)).toEqual(['z', '/layer/Relu_output_0']);
    const session = await ort.InferenceSession.create(patched);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 1, 2, -1), [2, 2]) });
    expect(Array.from(out['/layer/Relu_output_0'].data as Float32Array)).toEqual([3, 0, 0, 0, 0, 4]);
    expect(Array.from(out.z.data as Float32Array)).toEqual([3, 4]);
    await session.release();
  });

  it('names a node’s optional outputs in place, keeping every other byte, and onnxruntime computes them', async () => {
    // x → MatMul → LayerNormalization (outputs Y only; Mean and InvStdDev are optional) → y.
    const g = new OnnxGraphBuilder();
    g.initializer(onnxFloatTensor('W', [2, 2], Float32Array.of(1, 0, 0, 1)));
    g.initializer(onnxFloatTensor('scale', [2], Float32Array.of(1, 1)));
    const h = g.op1('/block', 'MatMul', ['x', 'W']);
    g.op1('/block', 'LayerNormalization', [h, 'scale'], [attrInt('axis', -1)], 'y');
    const bytes = encodeOnnxModel({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      docString: 'kept',
      graph: g.graph('ln', [onnxValueInfo('x', OnnxDataType.FLOAT, ['n', 2])], [onnxValueInfo('y', OnnxDataType.FLOAT, ['n', 2])]),
    });
    const edited = onnxReplaceNodeOutputs(bytes, [{ node: 1, outputs: ['y', 'ln_mean'] }]);
    const before = decodeOnnxModel(bytes, 'before', { structureOnly: true });
    const after = decodeOnnxModel(edited, 'after', { structureOnly: true });
    expect(Array.from(onnxTensorFloats(decodeOnnxModel(edited).graph.initializer![0]))).toEqual([1, 0, 0, 1]);
    expect(after.graph.node[1]).toEqual({ ...before.graph.node[1], output: ['y', 'ln_mean'] });
    expect({ ...after, graph: { ...after.graph, node: [after.graph.node[0]] } }).toEqual({ ...before, graph: { ...before.graph, node: [before.graph.node[0]] } });
    const session = await ort.InferenceSession.create(onnxAppendGraphOutputs(edited, [{ name: 'ln_mean' }]));
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 3, -2, 2), [2, 2]) });
    expect(Array.from(out.ln_mean.data as Float32Array)).toEqual([2, 0]);
    await session.release();
    expect(() => onnxReplaceNodeOutputs(bytes, [{ node: 2, outputs: ['z'] }])).toThrow('the graph has 2 nodes; cannot edit node 2');
  });

  it('reports bytes that are not an ONNX model', () => {
    expect(() => decodeOnnxModel(new TextEncoder().encode('{"not": "onnx"}'), 'x.onnx')).toThrow(CortexError);
    expect(() => decodeOnnxModel(new Uint8Array(0), 'empty.onnx')).toThrow(
      new CortexError('BAD_USER_INPUT', 'empty.onnx is not an ONNX model: it has no graph or no IR version', {
        file: 'empty.onnx',
        reason: 'it has no graph or no IR version',
      }),
    );
  });
});
