/**
 * NumPy `.npy` writer, format version 1.0 (numpy/lib/format.py, "NEP 1"): the 6-byte magic
 * "\x93NUMPY", version bytes 1 0, a little-endian uint16 header length, an ASCII Python-dict
 * header `{'descr': '<f4', 'fortran_order': False, 'shape': (n, m), }` padded with spaces and a
 * final newline so that magic + length + header is a multiple of 64 bytes, then the C-order data.
 *
 *   writeFileSync('run-1.npy', npyBytes(responses, [nTrs, nVoxels])); // np.load → float32 (nTrs, nVoxels)
 *
 * (warehouse/ingest/npy.ts reads these files; compute/ may not import warehouse/, hence this
 * writer of its own.)
 */
import { badInput } from '../../errors/CortexError.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

export function npyBytes(data: Float32Array | Float64Array | Int32Array, shape: readonly number[]): Uint8Array {
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
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  // Typed arrays are in host order; onnxProto.ts already requires a little-endian host.
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}
