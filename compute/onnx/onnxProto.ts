/**
 * ONNX protobuf messages, read and written with protobufjs: the one ONNX reader/writer of
 * cortexql (the tiny-model generator, graph surgery on exported checkpoints, and — where it
 * adopts it — the one-node GEMM graph of compute/linalg).
 *
 * The schema below is the part of onnx/onnx.proto (ONNX 1.17, IR version 10) that cortexql reads
 * or writes, with the field numbers and proto2 `optional` semantics of the original, so:
 * - an explicitly set zero is written (proto2 presence), unlike a proto3 subset, where `i: 0`
 *   silently disappears from an attribute;
 * - a field outside this subset is skipped on decode. Nothing here re-encodes a decoded model:
 *   surgery appends to the original bytes instead (see `onnxAppendGraphOutputs`), so fields
 *   this subset does not know (functions, sparse initializers, training info …) survive intact.
 *
 *   const bytes = encodeOnnxModel({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph });
 *   const model = decodeOnnxModel(bytes); // int64 fields come back as JS numbers
 */
import os from 'node:os';
import protobuf from 'protobufjs';
import { CortexError } from '../../errors/CortexError.js';

/** TensorProto.DataType (onnx.proto). */
export const OnnxDataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;

/** AttributeProto.AttributeType (onnx.proto). */
export const OnnxAttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface OnnxTensor {
  readonly name?: string;
  readonly dims: readonly number[];
  readonly dataType: number;
  /** Little-endian element bytes (the form every exporter and this writer use). */
  readonly rawData?: Uint8Array;
  readonly floatData?: readonly number[];
  readonly int32Data?: readonly number[];
  readonly int64Data?: readonly number[];
  readonly doubleData?: readonly number[];
  /** Present when the values live in a separate file (key/value pairs: location, offset, length). */
  readonly externalData?: readonly { readonly key: string; readonly value: string }[];
  readonly dataLocation?: number;
}

export interface OnnxAttribute {
  readonly name: string;
  readonly type: number;
  readonly f?: number;
  readonly i?: number;
  readonly s?: Uint8Array;
  readonly t?: OnnxTensor;
  readonly g?: OnnxGraph;
  readonly floats?: readonly number[];
  readonly ints?: readonly number[];
  readonly strings?: readonly Uint8Array[];
}

export interface OnnxNode {
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly name?: string;
  readonly opType: string;
  readonly domain?: string;
  readonly attribute?: readonly OnnxAttribute[];
}

export interface OnnxDimension {
  readonly dimValue?: number;
  readonly dimParam?: string;
}

export interface OnnxValueInfo {
  readonly name: string;
  readonly type?: {
    readonly tensorType?: { readonly elemType?: number; readonly shape?: { readonly dim?: readonly OnnxDimension[] } };
  };
}

export interface OnnxGraph {
  readonly node: readonly OnnxNode[];
  readonly name?: string;
  readonly initializer?: readonly OnnxTensor[];
  readonly input?: readonly OnnxValueInfo[];
  readonly output?: readonly OnnxValueInfo[];
  readonly valueInfo?: readonly OnnxValueInfo[];
  readonly docString?: string;
}

export interface OnnxModel {
  readonly irVersion: number;
  readonly opsetImport: readonly { readonly domain?: string; readonly version: number }[];
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly docString?: string;
  readonly graph: OnnxGraph;
  readonly metadataProps?: readonly { readonly key: string; readonly value: string }[];
}

// Field numbers from onnx/onnx.proto. `packed` matches the original declarations: ONNX declares
// the numeric data arrays of TensorProto packed, the int64 `dims` and the attribute lists not.
const TENSOR_PAYLOAD = `
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6;
  repeated int64 int64_data = 7 [packed = true];
  optional bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];`;

/**
 * The schema in package `pkg`; without `payload`, TensorProto lacks its value fields, so decoding
 * skips them (a multi-GB model's weights are stepped over, not converted) — the structure
 * (nodes, inputs, outputs, initializer names and external-data references) is all that is read.
 */
function onnxSchema(pkg: string, payload: boolean): string {
  return `
syntax = "proto2";
package ${pkg};
message StringStringEntryProto { optional string key = 1; optional string value = 2; }
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;${payload ? TENSOR_PAYLOAD : ''}
  optional string name = 8;
  optional string doc_string = 12;
  repeated StringStringEntryProto external_data = 13;
  optional int32 data_location = 14;
}
message TensorShapeProto {
  message Dimension {
    oneof value { int64 dim_value = 1; string dim_param = 2; }
    optional string denotation = 3;
  }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
  optional string denotation = 6;
}
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; optional string doc_string = 3; }
message AttributeProto {
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  optional GraphProto g = 6;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  repeated TensorProto tensors = 10;
  repeated GraphProto graphs = 11;
  optional string doc_string = 13;
  optional int32 type = 20;
  optional string ref_attr_name = 21;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
  optional string doc_string = 6;
  optional string domain = 7;
}
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}
message ModelProto {
  optional int64 ir_version = 1;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
  repeated StringStringEntryProto metadata_props = 14;
}
`;
}

let root: protobuf.Root | undefined;

function onnxType(name: 'ModelProto', structureOnly = false): protobuf.Type {
  if (root === undefined) {
    root = new protobuf.Root();
    protobuf.parse(onnxSchema('onnx', true), root, { keepCase: false });
    protobuf.parse(onnxSchema('onnx_structure', false), root, { keepCase: false });
  }
  return root.lookupType(`${structureOnly ? 'onnx_structure' : 'onnx'}.${name}`);
}

/** Serialises a model. Every int64 must be a safe integer (they are dims, versions, attributes). */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const Model = onnxType('ModelProto');
  return Model.encode(Model.fromObject(model as unknown as Record<string, unknown>)).finish();
}

/**
 * Parses model bytes into plain objects (int64 → number, bytes → Uint8Array views of `bytes`).
 * `structureOnly` skips tensor values (initializers keep name, dims, type and external-data
 * references). Fails with BAD_USER_INPUT when the bytes are not an ONNX model (not protobuf, or no graph).
 */
export function decodeOnnxModel(bytes: Uint8Array, label = 'model', options: { readonly structureOnly?: boolean } = {}): OnnxModel {
  const Model = onnxType('ModelProto', options.structureOnly === true);
  let decoded: protobuf.Message;
  try {
    decoded = Model.decode(bytes);
  } catch (e) {
    throw notOnnx(label, e instanceof Error ? e.message : String(e));
  }
  const model = Model.toObject(decoded, { longs: Number, arrays: true, defaults: false }) as unknown as OnnxModel;
  if (model.graph === undefined || model.irVersion === undefined) {
    throw notOnnx(label, 'it has no graph or no IR version');
  }
  return model;
}

function notOnnx(label: string, reason: string): CortexError {
  return new CortexError('BAD_USER_INPUT', `${label} is not an ONNX model: ${reason}`, { file: label, reason });
}

/**
 * Adds outputs to a serialised model without re-encoding it: appends a second `graph` field
 * holding only the new `output` entries. Protocol Buffers merge repeated occurrences of an
 * embedded message field, and concatenate repeated fields inside it ("Encoding: Last One Wins"
 * and "Merging" in the protobuf language guide; C++ ParseFromArray, which onnxruntime uses,
 * implements exactly this), so the result parses as the original graph with the outputs added —
 * and every byte of the original, including fields our schema subset does not know, is kept.
 */
export function onnxAppendGraphOutputs(bytes: Uint8Array, outputs: readonly OnnxValueInfo[]): Uint8Array {
  const Model = onnxType('ModelProto');
  const tail = Model.encode(Model.fromObject({ graph: { output: outputs } })).finish();
  const out = new Uint8Array(bytes.length + tail.length);
  out.set(bytes, 0);
  out.set(tail, bytes.length);
  return out;
}

/** A node whose output list is to be replaced: `node` is its index in the graph's node list. */
export interface OnnxNodeOutputsEdit {
  readonly node: number;
  readonly outputs: readonly string[];
}

// Protocol Buffers wire format (encoding guide): a tag is varint(field << 3 | wire type);
// wire types 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
function readVarint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= bytes.length) throw new CortexError('BAD_USER_INPUT', 'truncated protobuf varint');
    const b = bytes[pos++];
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return [value, pos];
    scale *= 128;
  }
  throw new CortexError('BAD_USER_INPUT', 'malformed protobuf varint');
}

function varint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

interface WireField {
  readonly field: number;
  /** Start of the tag. */
  readonly start: number;
  /** Payload of a length-delimited field. */
  readonly payload: readonly [number, number] | null;
  readonly end: number;
}

/** The top-level fields of a message (`bytes[from, to)`), in order. */
function wireFields(bytes: Uint8Array, from: number, to: number): WireField[] {
  const fields: WireField[] = [];
  let pos = from;
  while (pos < to) {
    const start = pos;
    const [tag, afterTag] = readVarint(bytes, pos);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    let payload: [number, number] | null = null;
    if (wire === 0) pos = readVarint(bytes, afterTag)[1];
    else if (wire === 1) pos = afterTag + 8;
    else if (wire === 5) pos = afterTag + 4;
    else if (wire === 2) {
      const [length, at] = readVarint(bytes, afterTag);
      payload = [at, at + length];
      pos = at + length;
    } else throw new CortexError('BAD_USER_INPUT', `unsupported protobuf wire type ${wire}`);
    if (pos > to) throw new CortexError('BAD_USER_INPUT', 'truncated protobuf field');
    fields.push({ field, start, payload, end: pos });
  }
  return fields;
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const utf8 = new TextEncoder();

/**
 * Replaces the output lists of some nodes in a serialised model, without re-encoding anything
 * else: each edited NodeProto keeps every field but its `output` entries (field 2), which are
 * written anew at its end — field order does not matter to a protobuf parser, only the order of
 * a repeated field's own entries — and the lengths of the node and the graph are rewritten.
 * How graph surgery exposes an optional output of a fused node (e.g. output 3 of
 * SkipLayerNormalization) that the exporter left unnamed.
 */
export function onnxReplaceNodeOutputs(bytes: Uint8Array, edits: readonly OnnxNodeOutputsEdit[]): Uint8Array {
  if (edits.length === 0) return bytes;
  const GRAPH = 7;
  const NODE = 1;
  const OUTPUT = 2;
  const graphs = wireFields(bytes, 0, bytes.length).filter((f) => f.field === GRAPH && f.payload !== null);
  if (graphs.length !== 1) throw new CortexError('BAD_USER_INPUT', `expected one graph field in the model, found ${graphs.length}`);
  const graph = graphs[0];
  const [g0, g1] = graph.payload!;
  const byNode = new Map(edits.map((e) => [e.node, e.outputs]));
  const parts: Uint8Array[] = [];
  let cursor = g0;
  let nodeIndex = 0;
  for (const f of wireFields(bytes, g0, g1)) {
    if (f.field !== NODE || f.payload === null) continue;
    const outputs = byNode.get(nodeIndex++);
    if (outputs === undefined) continue;
    const [n0, n1] = f.payload;
    const kept = wireFields(bytes, n0, n1).filter((x) => x.field !== OUTPUT).map((x) => bytes.subarray(x.start, x.end));
    const written = outputs.map((name) => {
      const s = utf8.encode(name);
      return concatBytes([varint(OUTPUT * 8 + 2), varint(s.length), s]);
    });
    const node = concatBytes([...kept, ...written]);
    parts.push(bytes.subarray(cursor, f.start), varint(NODE * 8 + 2), varint(node.length), node);
    cursor = f.end;
  }
  if (nodeIndex <= Math.max(...edits.map((e) => e.node))) throw new CortexError('BAD_USER_INPUT', `the graph has ${nodeIndex} nodes; cannot edit node ${Math.max(...edits.map((e) => e.node))}`);
  parts.push(bytes.subarray(cursor, g1));
  const newGraph = concatBytes(parts);
  return concatBytes([bytes.subarray(0, graph.start), varint(GRAPH * 8 + 2), varint(newGraph.length), newGraph, bytes.subarray(graph.end)]);
}

if (os.endianness() !== 'LE') {
  // raw_data is little-endian by the ONNX spec; the typed-array views below assume the host is too.
  throw new CortexError('INTERNAL', 'cortexql writes ONNX tensors from typed arrays and needs a little-endian host');
}

/** A float32 initializer (raw_data holds a copy of `data`). */
export function onnxFloatTensor(name: string, dims: readonly number[], data: Float32Array): OnnxTensor & { readonly name: string } {
  checkCount(name, dims, data.length);
  return { name, dims: [...dims], dataType: OnnxDataType.FLOAT, rawData: new Uint8Array(data.slice().buffer) };
}

/** An int64 initializer. */
export function onnxInt64Tensor(name: string, dims: readonly number[], data: readonly number[]): OnnxTensor & { readonly name: string } {
  checkCount(name, dims, data.length);
  return { name, dims: [...dims], dataType: OnnxDataType.INT64, rawData: new Uint8Array(BigInt64Array.from(data, (v) => BigInt(v)).buffer) };
}

function checkCount(name: string, dims: readonly number[], length: number): void {
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== length) {
    throw new CortexError('INTERNAL', `tensor ${name}: dims [${dims.join(', ')}] hold ${count} values, data has ${length}`, { name });
  }
}

/** A float32 view of a FLOAT tensor's values (raw_data or float_data). */
export function onnxTensorFloats(t: OnnxTensor): Float32Array {
  if (t.dataType !== OnnxDataType.FLOAT) {
    throw new CortexError('BAD_USER_INPUT', `tensor ${t.name ?? '?'} has data type ${t.dataType}, expected FLOAT (1)`, { name: t.name });
  }
  if (t.rawData !== undefined && t.rawData.length > 0) {
    return new Float32Array(t.rawData.buffer.slice(t.rawData.byteOffset, t.rawData.byteOffset + t.rawData.byteLength));
  }
  return Float32Array.from(t.floatData ?? []);
}

/** A value info with element type and dims (numbers are fixed sizes, strings symbolic). */
export function onnxValueInfo(name: string, elemType: number, dims?: readonly (number | string)[]): OnnxValueInfo {
  if (dims === undefined) return { name, type: { tensorType: { elemType } } };
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}
