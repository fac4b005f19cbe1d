import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, statSync, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { checkDecoder, checkTokenizer } from '../compute/models/decoderCheck.js';
import { tokenizerFromFile, type TextTokenizer } from '../compute/models/gpt2Tokenizer.js';
import type { LayerManifest } from '../compute/models/hiddenStateSurgery.js';
import { decodeOnnxModel } from '../compute/onnx/onnxProto.js';
import { stepFrom } from '../formats/lmEvalResults.js';
import { badInput, importFailed, isCortexError, notFound, type Problem } from '../errors/CortexError.js';
import { checkpointArtifacts, modelsByIds, modelTokenizer, setTokenizer, upsertCheckpoint, type ArtifactRow } from '../warehouse/modelsRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';

export interface ArtifactInput {
  readonly step: number;
  /** An .onnx file, or a folder holding one (plus external weights). */
  readonly path: string;
}

const MAX_STEP = 2_147_483_647;
const PREFERRED = ['model.onnx', 'decoder_model.onnx', 'decoder.onnx'];

const onnxFilesIn = (folder: string): string[] => readdirSync(folder).filter((f) => f.endsWith('.onnx') && !f.startsWith('.'));

/**
 * The checkpoints of a folder: every `*.onnx` file whose name carries a step (`step3000.onnx`)
 * and every sub-folder whose name does and that holds an .onnx file (`step-3000/model.onnx`).
 * Hidden files are skipped (surgery's temporary graphs start with a dot).
 */
export function scanCheckpointFolder(folder: string): ArtifactInput[] {
  const out: ArtifactInput[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const step = stepFrom(entry.name);
    if (step === null) continue;
    const full = join(folder, entry.name);
    if (entry.isFile() && entry.name.endsWith('.onnx')) out.push({ step, path: full });
    else if (entry.isDirectory() && onnxFilesIn(full).length > 0) out.push({ step, path: full });
  }
  return out.sort((a, b) => a.step - b.step);
}

/**
 * What the CLI's `--onnx` paths and the mutation's `folder` name: an .onnx file (step from its
 * name, else its folder's: `step3000.onnx`, `step-3000/model.onnx`), a step-named folder holding
 * an .onnx file, or a folder of such files and folders. Every problem is reported at once
 * (IMPORT_FAILED), e.g. a folder without any step-named checkpoint.
 */
export function resolveCheckpointPaths(paths: readonly string[]): ArtifactInput[] {
  const problems: Problem[] = [];
  const out: ArtifactInput[] = [];
  for (const p of paths) {
    let stat: Stats;
    try {
      stat = statSync(p);
    } catch {
      problems.push({ where: p, message: 'file not found' });
      continue;
    }
    if (stat.isFile()) {
      const step = stepFrom(basename(p)) ?? stepFrom(basename(dirname(resolve(p))));
      if (!p.endsWith('.onnx')) problems.push({ where: p, message: 'not an .onnx file' });
      else if (step === null) problems.push({ where: p, message: 'no step in the file or folder name (name it step3000.onnx or step-3000/model.onnx)' });
      else out.push({ step, path: p });
      continue;
    }
    if (!stat.isDirectory()) {
      problems.push({ where: p, message: 'not a file or folder' });
      continue;
    }
    const own = stepFrom(basename(resolve(p)));
    if (own !== null && onnxFilesIn(p).length > 0) {
      out.push({ step: own, path: p });
      continue;
    }
    const found = scanCheckpointFolder(p);
    if (found.length === 0) problems.push({ where: p, message: 'no checkpoints in this folder: expected step-named .onnx files (step3000.onnx) or folders (step-3000/model.onnx)' });
    out.push(...found);
  }
  if (problems.length > 0) throw importFailed(problems);
  return out;
}

/** The .onnx file of an artifact path: the file itself, or the one in its folder (model.onnx first). */
function onnxFile(path: string): string {
  if (statSync(path).isFile()) return path;
  const files = onnxFilesIn(path);
  if (files.length === 1) return join(path, files[0]);
  const preferred = PREFERRED.find((f) => files.includes(f));
  if (preferred !== undefined) return join(path, preferred);
  throw new Error(files.length === 0 ? 'the folder holds no .onnx file' : `the folder holds ${files.length} .onnx files (${files.join(', ')}); name one of them`);
}

/** sha256 and size of files read one after the other, as one stream. */
async function sha256Files(files: readonly string[]): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for (const file of files) {
    for await (const chunk of createReadStream(file)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  }
  return { sha256: hash.digest('hex'), bytes };
}

interface CheckedArtifact {
  readonly step: number;
  readonly uri: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly vocabRows: number | null;
}

/**
 * Opens one checkpoint the way extraction will — the graph's structure, not its weights — and
 * fingerprints it: the graph file followed by every external-data file it references.
 */
async function checkArtifact(a: ArtifactInput, manifest: LayerManifest | undefined): Promise<CheckedArtifact> {
  const file = resolve(onnxFile(a.path));
  const model = decodeOnnxModel(await readFile(file), file, { structureOnly: true });
  const check = checkDecoder(model, { manifest, label: file });
  const parts = [file];
  for (const { file: location, bytes } of check.externalData) {
    const data = join(dirname(file), location);
    let stat: Stats;
    try {
      stat = statSync(data);
    } catch {
      throw badInput(`${file} keeps its weights in ${location}, which is missing beside it`, { file });
    }
    if (!stat.isFile()) throw badInput(`${file}: external data ${location} is not a file`, { file });
    if (stat.size < bytes) throw badInput(`${file}: external data ${location} holds ${stat.size} bytes, the graph reads up to byte ${bytes} (truncated?)`, { file });
    parts.push(data);
  }
  const { sha256, bytes } = await sha256Files(parts);
  return { step: a.step, uri: file, sha256, bytes, vocabRows: check.vocabRows };
}

export interface RegisterArtifactsOptions {
  /** Layer → tensor names, for graphs the extractor cannot trace itself; stored with every artifact of the call. */
  readonly layersManifest?: LayerManifest;
}

/**
 * Registers a model's checkpoints as ONNX files (and its tokenizer.json), all or nothing. Each
 * graph is opened and checked to be a decoder the extractor can run (checkDecoder), its
 * external-data files present and large enough, and the tokenizer — the new one, else the
 * model's registered one — to load, tokenise and fit the model's embedding. Size and sha256
 * cover the graph and its external-data files, so `duplicateOf` flags a step whose content equals
 * another step's (real suites have broken branches that silently serve the final weights).
 * Every problem is reported at once (IMPORT_FAILED, `where` = the file); nothing is written then.
 */
export async function registerCheckpointArtifacts(
  wh: Warehouse,
  modelId: string,
  artifacts: readonly ArtifactInput[],
  tokenizer: string | null,
  options: RegisterArtifactsOptions = {},
): Promise<ArtifactRow[]> {
  const [model] = await modelsByIds(wh, [modelId]);
  if (!model) throw notFound('model', modelId);
  if (artifacts.length === 0 && tokenizer === null) throw badInput('give checkpoint files or a tokenizer to register');
  const manifest = options.layersManifest === undefined ? undefined : manifestList(options.layersManifest);
  const problems: Problem[] = [];
  const rows: CheckedArtifact[] = [];
  const seen = new Map<number, string>();
  for (const a of artifacts) {
    if (!Number.isInteger(a.step) || a.step < 0 || a.step > MAX_STEP) {
      problems.push({ where: a.path, message: `step must be an integer in 0…${MAX_STEP} (got ${a.step})` });
      continue;
    }
    if (seen.has(a.step)) problems.push({ where: a.path, message: `step ${a.step} is also given by ${seen.get(a.step)}` });
    seen.set(a.step, a.path);
    try {
      statSync(a.path);
    } catch {
      problems.push({ where: a.path, message: 'file not found' });
      continue;
    }
    try {
      rows.push(await checkArtifact(a, manifest));
    } catch (error) {
      problems.push({ where: a.path, message: reason(error, a.path) });
    }
  }
  const tokenizerFile = tokenizer ?? (await modelTokenizer(wh, modelId));
  if (tokenizerFile !== null) {
    let tok: TextTokenizer | null = null;
    try {
      tok = tokenizerFromFile(tokenizerFile);
      checkTokenizer(tok, tokenizerFile);
    } catch (error) {
      problems.push({ where: tokenizerFile, message: reason(error, tokenizerFile) });
      tok = null;
    }
    for (const r of tok === null ? [] : rows) {
      try {
        checkTokenizer(tok!, tokenizerFile, r.vocabRows);
      } catch (error) {
        problems.push({ where: r.uri, message: reason(error, tokenizerFile) });
      }
    }
  }
  if (problems.length) throw importFailed(problems);
  await wh.write(async (tx) => {
    for (const r of rows) {
      await upsertCheckpoint(tx, modelId, { step: r.step, artifactUri: r.uri, artifactSha256: r.sha256, artifactBytes: r.bytes, layersManifest: manifest ?? null });
    }
    if (tokenizer !== null) await setTokenizer(tx, modelId, resolve(tokenizer));
  });
  return checkpointArtifacts(wh, modelId, rows.map((r) => r.step));
}

/** A manifest as a list (layer i at index i); an object `{ "0": …, "1": … }` must number 0…n−1. */
export function manifestList(manifest: LayerManifest): string[] {
  if (Array.isArray(manifest)) return [...(manifest as readonly string[])];
  const entries = Object.entries(manifest as Readonly<Record<string, string>>);
  const list: string[] = [];
  for (const [key, tensor] of entries) {
    const layer = Number(key);
    if (!/^\d+$/.test(key) || layer >= entries.length || typeof tensor !== 'string') {
      throw badInput(`layers manifest: keys must be the layers 0…${entries.length - 1} and values tensor names (got '${key}')`, { key });
    }
    list[layer] = tensor;
  }
  return list;
}

/** A problem's message without repeating the file it is listed under. */
function reason(error: unknown, file: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!isCortexError(error)) return message;
  for (const prefix of [`${file}: `, `${resolve(file)}: `]) if (message.startsWith(prefix)) return message.slice(prefix.length);
  return message;
}
