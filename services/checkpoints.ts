import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stepFrom } from '../formats/lmEvalResults.js';
import { badInput, importFailed, notFound, type Problem } from '../errors/CortexError.js';
import { checkpointArtifacts, modelsByIds, setTokenizer, upsertCheckpoint, type ArtifactRow } from '../warehouse/modelsRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';

export interface ArtifactInput {
  readonly step: number;
  /** An .onnx file, or a folder holding exactly one .onnx file (plus external weights). */
  readonly path: string;
}

/**
 * The ONNX files of a folder of checkpoints: every `*.onnx` (or sub-folder holding one) whose name
 * carries a step (`step3000.onnx`, `step-3000/model.onnx`, `revision=step3000`).
 */
export function scanCheckpointFolder(folder: string): ArtifactInput[] {
  const out: ArtifactInput[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const step = stepFrom(entry.name);
    if (step === null) continue;
    const full = join(folder, entry.name);
    if (entry.isFile() && entry.name.endsWith('.onnx')) out.push({ step, path: full });
    else if (entry.isDirectory() && readdirSync(full).some((f) => f.endsWith('.onnx'))) out.push({ step, path: full });
  }
  return out.sort((a, b) => a.step - b.step);
}

function onnxFile(path: string): string {
  if (statSync(path).isFile()) return path;
  const files = readdirSync(path).filter((f) => f.endsWith('.onnx'));
  if (files.length !== 1) throw new Error(`folder holds ${files.length} .onnx files, expected one`);
  return join(path, files[0]);
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Registers a model's checkpoints as ONNX files (and its tokenizer.json): records each file's size
 * and sha256, all or nothing. Returns the artifacts with `duplicateOf` set where a step's content
 * equals another step's — real suites have broken branches that silently serve the final weights.
 */
export async function registerCheckpointArtifacts(
  wh: Warehouse,
  modelId: string,
  artifacts: readonly ArtifactInput[],
  tokenizer: string | null,
): Promise<ArtifactRow[]> {
  const [model] = await modelsByIds(wh, [modelId]);
  if (!model) throw notFound('model', modelId);
  if (artifacts.length === 0 && tokenizer === null) throw badInput('give checkpoint files or a tokenizer to register');
  const problems: Problem[] = [];
  const rows: { step: number; uri: string; sha256: string; bytes: number }[] = [];
  for (const a of artifacts) {
    if (!Number.isInteger(a.step) || a.step < 0) problems.push({ where: a.path, message: `step must be a whole number >= 0 (got ${a.step})` });
    if (!existsSync(a.path)) {
      problems.push({ where: a.path, message: 'file not found' });
      continue;
    }
    try {
      const file = resolve(onnxFile(a.path));
      rows.push({ step: a.step, uri: file, sha256: await sha256File(file), bytes: statSync(file).size });
    } catch (error) {
      problems.push({ where: a.path, message: (error as Error).message });
    }
  }
  if (tokenizer !== null && !existsSync(tokenizer)) problems.push({ where: tokenizer, message: 'tokenizer file not found' });
  if (problems.length) throw importFailed(problems);
  await wh.write(async (tx) => {
    for (const r of rows) await upsertCheckpoint(tx, modelId, { step: r.step, artifactUri: r.uri, artifactSha256: r.sha256, artifactBytes: r.bytes });
    if (tokenizer !== null) await setTokenizer(tx, modelId, resolve(tokenizer));
  });
  return checkpointArtifacts(wh, modelId, rows.map((r) => r.step));
}
