import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CortexError, importFailed, type Problem } from '../errors/CortexError.js';
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

/** All `.json` files under `path` (or `path` itself), sorted so imports are deterministic. */
export function collectJsonFiles(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new CortexError('NOT_FOUND', `path '${path}' does not exist`, { path });
  }
  if (stat.isFile()) return [path];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.json')) out.push(full);
    }
  };
  walk(path);
  return out.sort();
}

/** Reads and parses files, collecting every problem instead of stopping at the first. */
export function readEvalDocuments(
  paths: readonly string[],
  root: string,
  problems: Problem[],
  onProgress?: (done: number, total: number) => void,
): EvalDocument[] {
  const docs: EvalDocument[] = [];
  for (const [i, path] of paths.entries()) {
    onProgress?.(i, paths.length);
    const name = relative(root, path) || path;
    try {
      docs.push({ fileName: name, content: JSON.parse(readFileSync(path, 'utf8')) });
    } catch (error) {
      problems.push({ where: name, message: `not valid JSON: ${(error as Error).message}` });
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
  for (const doc of docs) {
    const file = parseLmEvalResults(doc.content, doc.fileName, problems);
    if (!file) continue;
    const modelName = options.model ?? file.modelName;
    const step = options.step ?? file.step;
    if (!modelName) problems.push({ where: `${doc.fileName}: config.model_args`, message: 'no model named (pretrained=…); pass a model' });
    if (step === null || step === undefined) problems.push({ where: `${doc.fileName}: config.model_args`, message: 'no revision=stepN and no step in the file name; pass a step' });
    else if (!Number.isInteger(step) || step < 0) problems.push({ where: doc.fileName, message: `step must be a whole number >= 0 (${step})` });
    if (modelName && step !== null && step !== undefined) parsed.push({ file, modelId: options.model ?? modelIdFor(modelName), step });
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

/** Imports a file or a folder (recursively). */
export async function importEvalsFromPath(wh: Warehouse, path: string, options: ImportEvalsOptions = {}): Promise<ImportReport> {
  const files = collectJsonFiles(path);
  const problems: Problem[] = [];
  const root = statSync(path).isFile() ? join(path, '..') : path;
  const docs = readEvalDocuments(files, root, problems, options.onProgress);
  return importEvalDocuments(wh, docs, options, problems);
}
