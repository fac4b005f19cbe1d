/**
 * Builds, in memory, the one-node ONNX graph that gemm.ts runs: `Y = op(A) · op(B)` with
 * dynamic dims, where op is the identity or a transpose. Serialised by compute/onnx/onnxProto.ts,
 * the one ONNX writer of cortexql (protobufjs over the onnx.proto field numbers).
 *
 * Why `Gemm` and not only `MatMul`: ONNX `Gemm` (opset 13, spec "Operators.md#Gemm") carries
 * `transA`/`transB` attributes, so XᵀY, X·Qᵀ and friends run without materialising a transpose.
 * For the plain product we emit `MatMul` (opset 13), the op whose rate bench/encoding reports as
 * the raw MatMul rate. Both reach the same MLAS kernels in onnxruntime's CPU provider.
 */
import { encodeOnnxModel, OnnxAttributeType, OnnxDataType, onnxValueInfo } from '../onnx/onnxProto.js';
import type { OnnxNode } from '../onnx/onnxProto.js';

/** The element types we multiply. */
export type GemmDType = 'float32' | 'float64';

const ELEM_TYPE: Readonly<Record<GemmDType, number>> = { float32: OnnxDataType.FLOAT, float64: OnnxDataType.DOUBLE };

/** Opset 17: MatMul-13 and Gemm-13 are the current definitions; IR 8 is what opset 17 requires. */
const IR_VERSION = 8;
const OPSET = 17;

/**
 * ONNX model bytes for `Y[M,N] = op(A) · op(B)`. Inputs are named `A` and `B`, the output `Y`;
 * `A` is stored [M,K] (or [K,M] when transA), `B` is stored [K,N] (or [N,K] when transB).
 */
export function gemmModelBytes(dtype: GemmDType, transA: boolean, transB: boolean): Uint8Array {
  const plain = !transA && !transB;
  const node: OnnxNode = plain
    ? { input: ['A', 'B'], output: ['Y'], name: 'matmul', opType: 'MatMul' }
    : {
        input: ['A', 'B'],
        output: ['Y'],
        name: 'gemm',
        opType: 'Gemm',
        attribute: [
          { name: 'transA', type: OnnxAttributeType.INT, i: transA ? 1 : 0 },
          { name: 'transB', type: OnnxAttributeType.INT, i: transB ? 1 : 0 },
        ],
      };
  const elem = ELEM_TYPE[dtype];
  return encodeOnnxModel({
    irVersion: IR_VERSION,
    producerName: 'cortexql',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: plain ? 'matmul' : `gemm_t${transA ? 1 : 0}${transB ? 1 : 0}`,
      node: [node],
      input: [onnxValueInfo('A', elem, transA ? ['K', 'M'] : ['M', 'K']), onnxValueInfo('B', elem, transB ? ['N', 'K'] : ['K', 'N'])],
      output: [onnxValueInfo('Y', elem, ['M', 'N'])],
    },
  });
}
