import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * HDF5 response matrices (the Huth lab's story-listening data, LeBel et al. 2023, OpenNeuro
 * ds003020, ships each subject's run as `<story>.hf5` holding a `data` dataset of n_TR ×
 * n_voxels) read with h5wasm, the HDF5 C library compiled to WebAssembly (no native build, no
 * network). Loaded on first use: its module compiles in ~100 ms. Its Node build reads the real
 * file system only (NODERAWFS), so bytes read through a FileSource (confined to the import roots)
 * are handed to it as a private temporary copy, removed as soon as the dataset is read.
 */
export interface Hdf5Matrix {
  readonly shape: readonly number[];
  /** Row-major values as stored (h5wasm converts big-endian data to native order). */
  readonly values: ArrayLike<number>;
}

type H5 = typeof import('h5wasm/node').default;
let module: Promise<H5> | null = null;

async function h5(): Promise<H5> {
  module ??= import('h5wasm/node').then(async (m) => {
    await m.default.ready;
    return m.default;
  });
  return module;
}

/** Reads one numeric dataset of an HDF5 file's bytes; throws an Error saying what is wrong (never the file's data). */
export async function readHdf5Matrix(bytes: Uint8Array, dataset: string): Promise<Hdf5Matrix> {
  if (!hasSignature(bytes)) throw new Error('not an HDF5 file');
  const h5wasm = await h5();
  const dir = mkdtempSync(join(tmpdir(), 'cortexql-hdf5-'));
  try {
    const path = join(dir, 'responses.h5');
    writeFileSync(path, bytes, { mode: 0o600 });
    const file = new h5wasm.File(path, 'r');
    try {
      // Looked up among the file's datasets first: the C library reports a missing path on stderr.
      const names = datasetNames(file, h5wasm);
      const entity = names.includes(dataset.replace(/^\//, '')) ? file.get(dataset) : null;
      if (!(entity instanceof h5wasm.Dataset)) {
        throw new Error(`no dataset '${dataset}' (datasets here: ${names.length ? names.slice(0, 10).join(', ') : 'none'})`);
      }
      const shape = entity.shape ?? [];
      const value = entity.value;
      if (!ArrayBuffer.isView(value) || value instanceof DataView) throw new Error(`dataset '${dataset}' is not numeric (${JSON.stringify(entity.dtype)})`);
      const values = value instanceof BigInt64Array || value instanceof BigUint64Array ? Float64Array.from(value, Number) : (value as unknown as ArrayLike<number>);
      return { shape, values };
    } finally {
      file.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The HDF5 format signature, at byte 0 or after a user block of 512 · 2^k bytes (HDF5 File Format Specification, "Superblock"). */
function hasSignature(bytes: Uint8Array): boolean {
  const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (SIGNATURE.every((b, i) => bytes[at + i] === b)) return true;
  }
  return false;
}

function datasetNames(file: InstanceType<H5['File']>, h5wasm: H5): string[] {
  return file.paths().filter((p) => file.get(p) instanceof h5wasm.Dataset).map((p) => p.replace(/^\//, ''));
}
