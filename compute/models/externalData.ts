/**
 * What onnxruntime should load for a model whose bytes may have been extended by surgery.
 *
 * Models over 2 GB keep their weights in separate files ("external data", onnx.proto
 * TensorProto.data_location = EXTERNAL, `location` relative to the model file), which
 * onnxruntime resolves relative to the model's path and refuses to follow out of the model's
 * folder (symbolic links included) — so such a model must be loaded from a file in that folder.
 * When surgery changed the bytes, the new graph (small: the weights stay external) is written
 * beside the original as a hidden temporary file, loaded, and deleted once the session exists
 * (onnxruntime has read or mapped the weights by then). The folder must be writable.
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { badInput } from '../../errors/CortexError.js';
import { OnnxDataType, type OnnxModel, type OnnxTensor } from '../onnx/onnxProto.js';

const EXTERNAL = 1;

const ELEMENT_BYTES: Readonly<Record<number, number>> = {
  [OnnxDataType.FLOAT]: 4,
  [OnnxDataType.UINT8]: 1,
  [OnnxDataType.INT8]: 1,
  [OnnxDataType.UINT16]: 2,
  [OnnxDataType.INT16]: 2,
  [OnnxDataType.INT32]: 4,
  [OnnxDataType.INT64]: 8,
  [OnnxDataType.BOOL]: 1,
  [OnnxDataType.FLOAT16]: 2,
  [OnnxDataType.DOUBLE]: 8,
  [OnnxDataType.UINT32]: 4,
  [OnnxDataType.UINT64]: 8,
  [OnnxDataType.BFLOAT16]: 2,
};

export interface SessionSource {
  /** Bytes or a file path for InferenceSession.create. */
  readonly source: Uint8Array | string;
  readonly cleanup: () => Promise<void>;
}

/**
 * The external-data files the model's initializers reference (onnx.proto TensorProto.external_data:
 * `location` relative to the model file, `offset`, `length`), in order of first reference, with
 * the bytes each must at least hold. Locations that are absolute or climb out of the model's
 * folder are refused (onnxruntime refuses them too).
 */
export function externalDataExtents(model: OnnxModel, label = 'model'): { file: string; bytes: number }[] {
  const extents = new Map<string, number>();
  const problems: string[] = [];
  for (const t of model.graph.initializer ?? []) {
    const entries = new Map((t.externalData ?? []).map((e) => [e.key, e.value]));
    if (t.dataLocation !== EXTERNAL && entries.size === 0) continue;
    const file = entries.get('location');
    if (file === undefined) {
      problems.push(`initializer ${t.name ?? '?'} is external but names no location`);
      continue;
    }
    if (file.startsWith('/') || /^[A-Za-z]:/.test(file) || file.split(/[\\/]/).includes('..')) {
      problems.push(`initializer ${t.name ?? '?'}: external data location ${JSON.stringify(file)} is not a relative path inside the model's folder`);
      continue;
    }
    const offset = Number(entries.get('offset') ?? 0);
    const length = entries.has('length') ? Number(entries.get('length')) : tensorBytes(t);
    extents.set(file, Math.max(extents.get(file) ?? 0, offset + (Number.isFinite(length) ? length : 0)));
  }
  if (problems.length > 0) throw badInput(`${label}: ${problems.slice(0, 10).join('; ')}`, { file: label, problems: problems.slice(0, 50) });
  return [...extents].map(([file, bytes]) => ({ file, bytes }));
}

function tensorBytes(t: OnnxTensor): number {
  return t.dims.reduce((a, d) => a * d, 1) * (ELEMENT_BYTES[t.dataType] ?? 0);
}

/** The external-data files the model's initializers reference (relative paths, deduplicated). */
export function externalDataFiles(model: OnnxModel, label = 'model'): string[] {
  return externalDataExtents(model, label).map((e) => e.file);
}

/**
 * `bytes` are the model as onnxruntime should see it; `changed` says whether they differ from the
 * file at `modelPath` (then a model with external data is staged in a temporary folder).
 */
export async function loadSessionSource(bytes: Uint8Array, model: OnnxModel, modelPath: string | undefined, changed: boolean, label = modelPath ?? 'model'): Promise<SessionSource> {
  const files = externalDataFiles(model, label);
  const none = async (): Promise<void> => undefined;
  if (files.length === 0) return { source: bytes, cleanup: none };
  if (modelPath !== undefined && !changed) return { source: modelPath, cleanup: none };
  if (modelPath === undefined) {
    throw badInput(`${label} keeps its weights in external files (${files.join(', ')}); open it from its file path`, { file: label, files });
  }
  const target = path.join(path.dirname(modelPath), `.${path.basename(modelPath)}.cortexql-${randomBytes(6).toString('hex')}.onnx`);
  try {
    await writeFile(target, bytes, { flag: 'wx' });
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw badInput(`${label} keeps its weights in external files, so the graph with hidden-state outputs must be written beside it, which failed: ${reason}`, { file: label, reason });
  }
  return { source: target, cleanup: () => rm(target, { force: true }) };
}
