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
import type { OnnxModel } from '../onnx/onnxProto.js';

const EXTERNAL = 1;

export interface SessionSource {
  /** Bytes or a file path for InferenceSession.create. */
  readonly source: Uint8Array | string;
  readonly cleanup: () => Promise<void>;
}

/** The external-data files the model's initializers reference (relative paths, deduplicated). */
export function externalDataFiles(model: OnnxModel): string[] {
  const files = new Set<string>();
  for (const t of model.graph.initializer ?? []) {
    if (t.dataLocation !== EXTERNAL && (t.externalData ?? []).length === 0) continue;
    const location = t.externalData?.find((e) => e.key === 'location')?.value;
    if (location !== undefined) files.add(location);
  }
  return [...files];
}

/**
 * `bytes` are the model as onnxruntime should see it; `changed` says whether they differ from the
 * file at `modelPath` (then a model with external data is staged in a temporary folder).
 */
export async function loadSessionSource(bytes: Uint8Array, model: OnnxModel, modelPath: string | undefined, changed: boolean, label = modelPath ?? 'model'): Promise<SessionSource> {
  const files = externalDataFiles(model);
  const none = async (): Promise<void> => undefined;
  if (files.length === 0) return { source: bytes, cleanup: none };
  if (modelPath !== undefined && !changed) return { source: modelPath, cleanup: none };
  if (modelPath === undefined) {
    throw badInput(`${label} keeps its weights in external files (${files.join(', ')}); open it from its file path`, { file: label, files });
  }
  const bad = files.filter((f) => path.isAbsolute(f) || f.split(/[\\/]/).includes('..'));
  if (bad.length > 0) throw badInput(`${label}: external data locations must be relative paths inside the model's folder: ${bad.join(', ')}`, { file: label, files: bad });
  const target = path.join(path.dirname(modelPath), `.${path.basename(modelPath)}.cortexql-${randomBytes(6).toString('hex')}.onnx`);
  try {
    await writeFile(target, bytes, { flag: 'wx' });
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw badInput(`${label} keeps its weights in external files, so the graph with hidden-state outputs must be written beside it, which failed: ${reason}`, { file: label, reason });
  }
  return { source: target, cleanup: () => rm(target, { force: true }) };
}
