import { basename } from 'node:path';
import { badInput, importFailed, type Problem } from '../errors/CortexError.js';
import { readFailure } from '../formats/fileSource.js';
import { Checks, parseJsonText, plain, shown } from '../formats/validation.js';
import { FileAccess, type Resolved } from './fileAccess.js';
import { lookupModel, modelIdFor, unknownModel } from './catalog.js';
import { parseLmEvalResults, type ParsedEvalFile } from '../formats/lmEvalResults.js';
import { ensureCheckpoints, insertModelIfMissing } from '../warehouse/modelsRepo.js';
import { replaceTaskScores } from '../warehouse/taskScoresRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';

/** An eval document given inline (e.g. through the GraphQL mutation) rather than as a path. */
export interface EvalDocument {
  readonly fileName: string;
  readonly content: unknown;
}

export interface ImportEvalsOptions {
  /** Overrides the model named in every file. */
  readonly model?: string;
  /** Overrides the step found in every file (content or file name). */
  readonly step?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ImportReport {
  readonly files: number;
  readonly scores: number;
  readonly models: string[];
  readonly checkpoints: number;
}

/** Files a folder import reads at most (a bigger tree is more likely a wrong path than a study). */
const MAX_FILES = 100_000;

/** An eval file found by a path import: its ref (for FileAccess) and the name used in problems and as the score's source. */
export interface EvalFileRef {
  readonly ref: string;
  readonly name: string;
}

/**
 * All `.json` files under `path` (or `path` itself), sorted so imports are deterministic. Paths go
 * through `files`: for the API, they must lie inside the import roots (services/fileAccess.ts);
 * entries that are links out of the roots, FIFOs or devices are left out of a folder walk.
 */
export function collectJsonFiles(path: string, files: FileAccess = FileAccess.local()): EvalFileRef[] {
  const top = files.resolve(path);
  if (top.kind === 'file') return [{ ref: path, name: basename(top.real) }];
  const out: EvalFileRef[] = [];
  const walk = (dir: Resolved, prefix: string, depth: number) => {
    for (const entry of files.list(dir)) {
      const name = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.kind === 'folder' && depth < 32) walk(files.resolve(entry.ref, 'folder'), name, depth + 1);
      else if (entry.kind === 'file' && entry.name.endsWith('.json')) out.push({ ref: entry.ref, name });
      if (out.length > MAX_FILES) throw badInput(`${shown(path)} holds more than ${MAX_FILES} .json files; import a smaller folder`, { field: 'path' });
    }
  };
  walk(top, '', 0);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Reads and parses files, collecting every problem instead of stopping at the first. A file that
 * is not JSON is reported by line and column, never by quoting it.
 */
export function readEvalDocuments(
  refs: readonly EvalFileRef[],
  problems: Problem[],
  onProgress?: (done: number, total: number) => void,
  files: FileAccess = FileAccess.local(),
): EvalDocument[] {
  const docs: EvalDocument[] = [];
  for (const [i, { ref, name }] of refs.entries()) {
    onProgress?.(i, refs.length);
    try {
      docs.push({ fileName: name, content: parseJsonText(files.read(ref, 'json').toString('utf8')) });
    } catch (error) {
      problems.push({ where: name, message: readFailure(error) });
    }
  }
  return docs;
}

/**
 * Imports lm-evaluation-harness results atomically: every document is validated first (all
 * problems reported together), then all scores are written in one transaction. Re-importing
 * replaces the (model, step, task, metric) cells it covers, so it never duplicates.
 */
export async function importEvalDocuments(
  wh: Warehouse,
  docs: readonly EvalDocument[],
  options: ImportEvalsOptions = {},
  problems: Problem[] = [],
): Promise<ImportReport> {
  const parsed: { file: ParsedEvalFile; modelId: string; step: number }[] = [];
  const checks = new Checks(problems);
  // Overrides are checked once, as the fields of the call (`model`, `step`).
  if (options.model !== undefined) checks.id('model', options.model);
  if (options.step !== undefined) checks.step('step', options.step);
  for (const [i, doc] of docs.entries()) {
    if (!checks.text(`documents.${i}.fileName`, doc.fileName, 1000)) continue;
    const file = parseLmEvalResults(doc.content, doc.fileName, problems);
    if (!file) continue;
    const modelName = options.model ?? file.modelName;
    const step = options.step ?? file.step;
    if (!modelName) problems.push({ where: `${doc.fileName}: config.model_args`, message: 'no model named (pretrained=…); pass a model' });
    if (step === null || step === undefined) problems.push({ where: `${doc.fileName}: config.model_args`, message: 'no revision=stepN and no step in the file name; pass a step' });
    const modelId = modelName ? options.model ?? modelIdFor(modelName) : null;
    const ok = [
      modelId === null || options.model !== undefined || checks.id(`${doc.fileName}: model`, modelId),
      step === null || step === undefined || options.step !== undefined || checks.step(`${doc.fileName}: step`, step),
      ...[...new Set(file.scores.map((s) => s.task))].map((task) => checks.name(`${doc.fileName}: results.${plain(task)}`, task)),
      ...[...new Map(file.scores.map((s) => [JSON.stringify([s.task, s.metric]), s])).values()].map((s) => checks.name(`${doc.fileName}: results.${plain(s.task)}.${plain(s.metric)}`, s.metric)),
    ].every(Boolean);
    if (ok && modelId !== null && step !== null && step !== undefined) parsed.push({ file, modelId, step });
  }
  if (docs.length === 0) problems.push({ where: '(input)', message: 'no eval files found' });
  if (problems.length > 0) throw importFailed(problems);

  const byModel = new Map<string, Set<number>>();
  for (const p of parsed) (byModel.get(p.modelId) ?? byModel.set(p.modelId, new Set()).get(p.modelId)!).add(p.step);

  let scores = 0;
  await wh.write(async (tx) => {
    for (const [modelId, steps] of byModel) {
      await insertModelIfMissing(tx, lookupModel(modelId) ?? unknownModel(modelId));
      await ensureCheckpoints(tx, modelId, [...steps]);
    }
    // Two files for the same cell in one call: the later file (in path order) wins.
    scores = await replaceTaskScores(tx, parsed.flatMap((p) => p.file.scores.map((s) => ({ ...s, modelId: p.modelId, step: p.step, source: p.file.file }))));
  });
  options.onProgress?.(docs.length, docs.length);
  return {
    files: docs.length,
    scores,
    models: [...byModel.keys()].sort(),
    checkpoints: [...byModel.values()].reduce((n, s) => n + s.size, 0),
  };
}

/** Imports a file or a folder (recursively); for the API, `files` confines the path to the import roots. */
export async function importEvalsFromPath(wh: Warehouse, path: string, options: ImportEvalsOptions = {}, files: FileAccess = FileAccess.local()): Promise<ImportReport> {
  const refs = collectJsonFiles(path, files);
  const problems: Problem[] = [];
  const docs = readEvalDocuments(refs, problems, options.onProgress, files);
  return importEvalDocuments(wh, docs, options, problems);
}


