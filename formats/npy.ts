import { badInput } from '../errors/CortexError.js';

/**
 * NumPy .npy reader and writer (format versions 1.0–3.0, numpy/lib/format.py): a magic string,
 * a little-endian header length, a Python-dict header {'descr', 'fortran_order', 'shape'}, then
 * the raw array. Reads float32/float64/int and bool arrays in C or Fortran order into C order.
 * A neutral module: the importers (warehouse/) read these files and the simulated study
 * (compute/simulate) writes them.
 */

export type NpyDtype = 'f4' | 'f8' | 'i1' | 'i2' | 'i4' | 'i8' | 'u1' | 'u2' | 'u4' | 'b1';
export type NpyData = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Uint32Array;

export interface NpyArray {
  readonly dtype: NpyDtype;
  readonly shape: readonly number[];
  /** Row-major (C order) values, whatever the file's order. */
  readonly data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const CTORS: Record<NpyDtype, { new (buffer: ArrayBuffer): NpyData; BYTES_PER_ELEMENT: number }> = {
  f4: Float32Array,
  f8: Float64Array,
  i1: Int8Array,
  i2: Int16Array,
  i4: Int32Array,
  i8: BigInt64Array,
  u1: Uint8Array,
  u2: Uint16Array,
  u4: Uint32Array,
  b1: Uint8Array,
};

/** Parses an .npy file; throws an Error whose message says what is wrong (callers add the file name). */
export function readNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error('not an .npy file (bad magic string)');
  const major = bytes[6];
  if (major < 1 || major > 3) throw new Error(`unsupported .npy format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw new Error('truncated .npy header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));

  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`malformed .npy header: ${header.trim()}`);
  const order = descr[0];
  const dtype = descr.slice(1) as NpyDtype;
  if (!(dtype in CTORS)) throw new Error(`unsupported dtype '${descr}' (float32/float64/int/bool only)`);
  if (order === '>' && CTORS[dtype].BYTES_PER_ELEMENT > 1) throw new Error(`big-endian dtype '${descr}' is not supported`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`malformed shape (${shapeText})`);

  const count = shape.reduce((a, b) => a * b, 1);
  const byteLength = count * CTORS[dtype].BYTES_PER_ELEMENT;
  if (bytes.length - dataStart < byteLength) {
    throw new Error(`truncated data: shape (${shape.join(', ')}) needs ${byteLength} bytes, file has ${bytes.length - dataStart}`);
  }
  // Copy into an aligned buffer: the data offset need not be a multiple of the element size.
  // (A Node Buffer's slice() is a view into a shared pool, so copy explicitly.)
  const raw = new Uint8Array(bytes.subarray(dataStart, dataStart + byteLength)).buffer;
  const data = new CTORS[dtype](raw);
  return { dtype, shape, data: fortran === 'True' && shape.length > 1 ? fortranToC(data, shape) : data };
}

/** Reorders a Fortran-order (column-major) array into C order. */
function fortranToC(data: NpyData, shape: readonly number[]): NpyData {
  const out = new (data.constructor as new (n: number) => NpyData)(data.length);
  const rank = shape.length;
  const cStrides = new Array<number>(rank);
  const fStrides = new Array<number>(rank);
  cStrides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) cStrides[d] = cStrides[d + 1] * shape[d + 1];
  fStrides[0] = 1;
  for (let d = 1; d < rank; d++) fStrides[d] = fStrides[d - 1] * shape[d - 1];
  const index = new Array<number>(rank).fill(0);
  for (let f = 0; f < data.length; f++) {
    let c = 0;
    for (let d = 0; d < rank; d++) c += index[d] * cStrides[d];
    (out as Float64Array)[c] = (data as Float64Array)[f];
    for (let d = 0; d < rank; d++) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

/**
 * Writes a C-order float32/float64/int32 array as an .npy v1.0 file: magic, version 1 0, a
 * uint16 header length, the header dict padded with spaces and a newline so that magic + length +
 * header is a multiple of 64 bytes, then the data (`np.load` reads it as the same dtype and shape).
 */
export function writeNpy(data: Float32Array | Float64Array | Int32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.some((d) => !Number.isInteger(d) || d < 0) || count !== data.length) {
    throw badInput(`npy: shape (${shape.join(', ')}) does not hold ${data.length} values`, { shape: [...shape], length: data.length });
  }
  const descr = data instanceof Float32Array ? '<f4' : data instanceof Float64Array ? '<f8' : '<i4';
  // A 1-tuple needs its trailing comma in Python syntax: (5,).
  const shapeText = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shapeText}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(total - 10 - 1, ' ') + '\n';
  if (header.length > 0xffff) throw badInput(`npy: header of ${header.length} bytes exceeds format 1.0's 65535`, { shape: [...shape] });
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

/** The values as float32 (float64 narrowed; ints converted), for response and feature matrices. */
export function npyToFloat32(a: NpyArray): Float32Array {
  if (a.data instanceof Float32Array) return a.data;
  if (a.data instanceof BigInt64Array) return Float32Array.from(a.data, (v) => Number(v));
  return Float32Array.from(a.data as ArrayLike<number>);
}
