import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { checkDecoder, checkTokenizer } from '../compute/models/decoderCheck.js';
import { tokenizerFromJson, type TextTokenizer } from '../compute/models/gpt2Tokenizer.js';
import type { LayerManifest } from '../compute/models/hiddenStateSurgery.js';
import { decodeOnnxModel } from '../compute/onnx/onnxProto.js';
import { stepFrom } from '../formats/lmEvalResults.js';
import { badInput, importFailed, isCortexError, notFound, type Problem } from '../errors/CortexError.js';
import { checkpointArtifacts, modelsByIds, modelTokenizer, setTokenizer, upsertCheckpoint, type ArtifactRow } from '../warehouse/modelsRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { readFailure } from '../formats/fileSource.js';
import { Checks, parseJsonText, plain } from '../formats/validation.js';
import { FileAccess, type FolderEntry, type Resolved } from './fileAccess.js';
import { sha256Files } from './fileHashes.js';

export interface ArtifactInput {
  readonly step: number;
  /** An .onnx file, or a folder holding one (plus external weights): a ref that `files` resolves. */
  readonly path: string;
  /** How problems name it (default: `path`), e.g. a folder's label + '/' + the file's name. */
  readonly label?: string;
}

const PREFERRED = ['model.onnx', 'decoder_model.onnx', 'decoder.onnx'];

const onnxFilesIn = (files: FileAccess, folder: Resolved): FolderEntry[] => files.list(folder).filter((e) => e.kind === 'file' && e.name.endsWith('.onnx'));

/**
 * The checkpoints of a folder: every `*.onnx` file whose name carries a step (`step3000.onnx`)
 * and every sub-folder whose name does and that holds an .onnx file (`step-3000/model.onnx`).
 * Hidden files are skipped (surgery's temporary graphs start with a dot).
 */
export function scanCheckpointFolder(folder: string | Resolved, files: FileAccess = FileAccess.local()): ArtifactInput[] {
  const dir = typeof folder === 'string' ? files.resolve(folder, 'folder') : folder;
  const out: ArtifactInput[] = [];
  for (const entry of files.list(dir)) {
    const step = stepFrom(entry.name);
    if (step === null) continue;
    if (entry.kind === 'file' && entry.name.endsWith('.onnx')) out.push({ step, path: entry.ref, label: entry.label });
    else if (entry.kind === 'folder' && onnxFilesIn(files, files.resolve(entry.ref, 'folder', entry.label)).length > 0) out.push({ step, path: entry.ref, label: entry.label });
  }
  return out.sort((a, b) => a.step - b.step);
}

/**
 * What the CLI's `--onnx` paths and the mutation's `folder` name: an .onnx file (step from its
 * name, else its folder's: `step3000.onnx`, `step-3000/model.onnx`), a step-named folder holding
 * an .onnx file, or a folder of such files and folders. Every problem is reported at once
 * (IMPORT_FAILED), e.g. a folder without any step-named checkpoint. For the API, `files` confines
 * every path to the import roots or the caller's uploads (PATH_NOT_ALLOWED otherwise).
 */
export function resolveCheckpointPaths(paths: readonly string[], files: FileAccess = FileAccess.local()): ArtifactInput[] {
  const problems: Problem[] = [];
  const out: ArtifactInput[] = [];
  for (const p of paths) {
    let r: Resolved;
    try {
      r = files.resolve(p);
    } catch (error) {
      if (!files.isLocal) throw error;
      problems.push({ where: p, message: 'file not found' });
      continue;
    }
    if (r.kind === 'file') {
      const step = stepFrom(basename(r.real)) ?? stepFrom(basename(dirname(r.real)));
      if (!r.real.endsWith('.onnx')) problems.push({ where: p, message: 'not an .onnx file' });
      else if (step === null) problems.push({ where: p, message: 'no step in the file or folder name (name it step3000.onnx or step-3000/model.onnx)' });
      else out.push({ step, path: p });
      continue;
    }
    const own = stepFrom(basename(r.real));
    if (own !== null && onnxFilesIn(files, r).length > 0) {
      out.push({ step: own, path: p });
      continue;
    }
    const found = scanCheckpointFolder(r, files);
    if (found.length === 0) problems.push({ where: p, message: 'no checkpoints in this folder: expected step-named .onnx files (step3000.onnx) or folders (step-3000/model.onnx)' });
    out.push(...found);
  }
  if (problems.length > 0) throw importFailed(problems);
  return out;
}

/** The .onnx file of an artifact: the file itself, or the one in its folder (model.onnx first). */
function onnxFile(files: FileAccess, a: ArtifactInput): Resolved {
  const label = a.label ?? a.path;
  const r = files.resolve(a.path, 'any', label);
  if (r.kind === 'file') return r;
  const found = onnxFilesIn(files, r);
  const names = found.map((f) => f.name);
  const pick = found.length === 1 ? found[0] : found.find((f) => f.name === PREFERRED.find((n) => names.includes(n)));
  if (pick === undefined) throw new Error(found.length === 0 ? 'the folder holds no .onnx file' : `the folder holds ${found.length} .onnx files (${names.join(', ')}); name one of them`);
  return files.resolve(pick.ref, 'file', pick.label);
}

interface CheckedArtifact {
  readonly step: number;
  /** How problems name it (the artifact as given). */
  readonly label: string;
  readonly uri: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly vocabRows: number | null;
}

/**
 * Opens one checkpoint the way extraction will — the graph's structure, not its weights — and
 * fingerprints it: the graph file followed by every external-data file it references. External
 * data must lie beside the graph or below it (ONNX names it relative to the graph's folder): an
 * absolute location or one with a `..` segment is refused, and the file must be a regular file
 * that `files` allows (inside the import roots for the API).
 */
async function checkArtifact(a: ArtifactInput, manifest: LayerManifest | undefined, files: FileAccess): Promise<CheckedArtifact> {
  const graph = onnxFile(files, a);
  const label = graph.label;
  const model = decodeOnnxModel(files.read(graph.ref, 'onnx', label), label, { structureOnly: true });
  const check = checkDecoder(model, { manifest, label });
  const parts = [graph.real];
  for (const { file: location, bytes } of check.externalData) {
    if (isAbsolute(location) || location.split(/[\\/]/).includes('..')) throw badInput(`${label}: external data location ${plain(location)} must be relative to the graph's folder, without '..'`, { file: label });
    let data: Resolved;
    try {
      data = files.resolve(files.sibling(graph.ref, location), 'file', location);
    } catch {
      throw badInput(`${label} keeps its weights in ${plain(location)}, which is missing beside it${files.isLocal ? '' : ' (or outside the import roots)'}`, { file: label });
    }
    const size = statSync(data.real).size;
    if (size < bytes) throw badInput(`${label}: external data ${plain(location)} holds ${size} bytes, the graph reads up to byte ${bytes} (truncated?)`, { file: label });
    parts.push(data.real);
  }
  const { sha256, bytes } = await sha256Files(parts);
  return { step: a.step, label: a.label ?? a.path, uri: graph.real, sha256, bytes, vocabRows: check.vocabRows };
}

/**
 * A tokenizer.json read through `files` (with tokenizer_config.json beside it, when readable), its
 * JSON parsed without quoting it in errors. Returns the tokenizer, the real path to store, and the
 * sha256 of the bytes it was built from (tokenizer.json, then the config when there is one).
 */
export function loadTokenizer(files: FileAccess, ref: string, label = ref): { tokenizer: TextTokenizer; real: string; sha256: string } {
  const { real } = files.resolve(ref, 'file', label);
  let json: unknown;
  const hash = createHash('sha256');
  try {
    const bytes = files.read(ref, 'json', label);
    hash.update(bytes);
    json = parseJsonText(bytes.toString('utf8'));
  } catch (error) {
    if (isCortexError(error)) throw error;
    throw importFailed([{ where: label, message: (error as Error).message }]);
  }
  let config: Record<string, unknown> = {};
  try {
    const bytes = files.read(files.sibling(ref, 'tokenizer_config.json'), 'json');
    const parsed = parseJsonText(bytes.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      config = parsed as Record<string, unknown>;
      hash.update(bytes);
    }
  } catch {
    // No (readable) tokenizer_config.json: the tokenizer.json alone defines the tokenizer.
  }
  return { tokenizer: tokenizerFromJson(json, config, label), real, sha256: hash.digest('hex') };
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
  files: FileAccess = FileAccess.local(),
): Promise<ArtifactRow[]> {
  const [model] = await modelsByIds(wh, [modelId]);
  if (!model) throw notFound('model', modelId);
  if (artifacts.length === 0 && tokenizer === null) throw badInput('give checkpoint files or a tokenizer to register');
  const manifest = options.layersManifest === undefined ? undefined : manifestList(options.layersManifest);
  const problems: Problem[] = [];
  const checks = new Checks(problems);
  const rows: CheckedArtifact[] = [];
  const seen = new Map<number, string>();
  for (const a of artifacts) {
    const where = a.label ?? a.path;
    if (!checks.step(`${where}: step`, a.step)) continue;
    if (seen.has(a.step)) problems.push({ where, message: `step ${a.step} is also given by ${seen.get(a.step)}` });
    seen.set(a.step, where);
    try {
      rows.push(await checkArtifact(a, manifest, files));
    } catch (error) {
      if (isCortexError(error, 'PATH_NOT_ALLOWED') || isCortexError(error, 'NOT_FOUND')) problems.push({ where, message: readFailure(error) });
      else problems.push({ where, message: reason(error, where) });
    }
  }
  // The new tokenizer is read through `files`; the model's registered one (already checked) locally.
  let tokenizerReal: string | null = null;
  let tokenizerSha256: string | null = null;
  const label = tokenizer ?? 'the registered tokenizer';
  let tok: TextTokenizer | null = null;
  try {
    if (tokenizer !== null) ({ tokenizer: tok, real: tokenizerReal, sha256: tokenizerSha256 } = loadTokenizer(files, tokenizer));
    else {
      const stored = await modelTokenizer(wh, modelId);
      if (stored !== null) tok = loadTokenizer(FileAccess.local(), stored, label).tokenizer;
    }
    if (tok) checkTokenizer(tok, label);
  } catch (error) {
    const fileProblem = isCortexError(error, 'PATH_NOT_ALLOWED') || isCortexError(error, 'IMPORT_FAILED') || isCortexError(error, 'NOT_FOUND');
    problems.push({ where: label, message: fileProblem ? readFailure(error) : reason(error, label) });
    tok = null;
  }
  for (const r of tok === null ? [] : rows) {
    try {
      checkTokenizer(tok!, label, r.vocabRows);
    } catch (error) {
      problems.push({ where: r.label, message: reason(error, label) });
    }
  }
  if (problems.length) throw importFailed(problems);
  await wh.write(async (tx) => {
    for (const r of rows) {
      await upsertCheckpoint(tx, modelId, { step: r.step, artifactUri: r.uri, artifactSha256: r.sha256, artifactBytes: r.bytes, layersManifest: manifest ?? null });
    }
    if (tokenizerReal !== null) await setTokenizer(tx, modelId, tokenizerReal, tokenizerSha256);
  });
  // Uploads registered here are read again by extraction: they no longer expire.
  for (const r of rows) files.keep(r.uri);
  if (tokenizerReal !== null) files.keep(tokenizerReal);
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
