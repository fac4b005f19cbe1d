import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CortexError, importFailed, type Problem } from '../errors/CortexError.js';
import { lookupModel, modelIdFor, unknownModel } from './catalog.js';
import { parsePythonJson } from '../formats/lmEvalJson.js';
import { parseLmEvalResults, type EvalScore, type ParsedEvalFile } from '../formats/lmEvalResults.js';
import { upsertEvalSources, type EvalSourceRow } from '../warehouse/evalSourcesRepo.js';
import { ensureCheckpoints, insertModelIfMissing } from '../warehouse/modelsRepo.js';
import { replaceTaskScores } from '../warehouse/taskScoresRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';

/** An eval document given inline (e.g. through the GraphQL mutation) rather than as a path. */
export interface EvalDocument {
  readonly fileName: string;
  /** The parsed JSON document… */
  readonly content?: unknown;
  /** …or its text as the harness wrote it (may hold NaN / Infinity, which JSON cannot carry). */
  readonly text?: string;
  /** sha256 of the file's bytes; for inline documents, of `text` (or of `content` serialised as JSON). */
  readonly sha256?: string;
}

export interface ImportEvalsOptions {
  /** The model id of every file (needed when a file names no model, or names a local path). */
  readonly model?: string;
  /** The step of every file (needed when neither a revision nor the file name has one). */
  readonly step?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ImportReport {
  readonly files: number;
  readonly scores: number;
  readonly models: string[];
  readonly checkpoints: number;
  /** Scores whose file value was NaN or ±Infinity: stored as null with the reason. */
  readonly nullValues: number;
}

/** One cell written by two files of one import with different values. */
export interface EvalConflict {
  readonly modelId: string;
  readonly step: number;
  readonly task: string;
  readonly metric: string;
  readonly files: readonly [string, string];
  readonly values: readonly [number | null, number | null];
  readonly stderrs: readonly [number | null, number | null];
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

/** Reads files (each with the sha256 of its bytes), collecting every problem instead of stopping at the first. */
export function readEvalDocuments(
  paths: readonly string[],
  root: string,
  problems: Problem[],
  onProgress?: (done: number, total: number) => void,
): EvalDocument[] {
  const docs: EvalDocument[] = [];
  for (const [i, path] of paths.entries()) {
    onProgress?.(i, paths.length);
    const bytes = readFileSync(path);
    docs.push({ fileName: relative(root, path) || path, text: bytes.toString('utf8'), sha256: createHash('sha256').update(bytes).digest('hex') });
  }
  return docs;
}

interface ResolvedFile {
  readonly parsed: ParsedEvalFile;
  readonly sha256: string;
  readonly modelId: string;
  readonly step: number;
}

/**
 * Imports lm-evaluation-harness results atomically: every document is parsed and its model and
 * step resolved first (all problems reported together, IMPORT_FAILED), two files writing one cell
 * with different values are refused (IMPORT_CONFLICT, naming both), then all scores and each
 * file's provenance are written in one transaction. Re-importing replaces the (model, step, task,
 * metric) cells it covers, so it never duplicates.
 */
export async function importEvalDocuments(
  wh: Warehouse,
  docs: readonly EvalDocument[],
  options: ImportEvalsOptions = {},
  problems: Problem[] = [],
): Promise<ImportReport> {
  const files: ResolvedFile[] = [];
  for (const doc of docs) {
    const content = documentContent(doc, problems);
    if (content === undefined) continue;
    const parsed = parseLmEvalResults(content, doc.fileName, problems);
    if (!parsed) continue;
    const modelId = resolveModel(parsed, options, problems);
    const step = resolveStep(parsed, options, problems);
    if (modelId !== null && step !== null) files.push({ parsed, sha256: doc.sha256 ?? sha256Of(doc), modelId, step });
  }
  if (docs.length === 0) problems.push({ where: '(input)', message: 'no eval files found' });
  if (problems.length > 0) throw importFailed(problems);
  const cells = checkConflicts(files);

  const byModel = new Map<string, Set<number>>();
  for (const f of files) (byModel.get(f.modelId) ?? byModel.set(f.modelId, new Set()).get(f.modelId)!).add(f.step);
  const sources = new Map<string, EvalSourceRow>();
  for (const f of files) {
    const p = f.parsed;
    sources.set(f.sha256, { sha256: f.sha256, file: p.file, format: p.format, modelName: p.model?.name ?? null, revision: p.revision, ...p.provenance });
  }
  let scores = 0;
  await wh.write(async (tx) => {
    for (const [modelId, steps] of byModel) {
      await insertModelIfMissing(tx, lookupModel(modelId) ?? unknownModel(modelId));
      await ensureCheckpoints(tx, modelId, [...steps]);
    }
    await upsertEvalSources(tx, [...sources.values()]);
    scores = await replaceTaskScores(
      tx,
      cells.map(({ file, score }) => ({ ...score, modelId: file.modelId, step: file.step, source: file.parsed.file, sourceSha256: file.sha256 })),
    );
  });
  options.onProgress?.(docs.length, docs.length);
  return {
    files: docs.length,
    scores,
    models: [...byModel.keys()].sort(),
    checkpoints: [...byModel.values()].reduce((n, s) => n + s.size, 0),
    nullValues: cells.filter((c) => c.score.value === null).length,
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

function documentContent(doc: EvalDocument, problems: Problem[]): unknown {
  if (doc.text === undefined) return doc.content;
  const parsed = parsePythonJson(doc.text);
  if (parsed.ok) return parsed.value;
  problems.push({ where: doc.fileName, message: parsed.message });
  return undefined;
}

function sha256Of(doc: EvalDocument): string {
  return createHash('sha256').update(doc.text ?? JSON.stringify(doc.content)).digest('hex');
}

/**
 * The model id of a file: the explicit one, else the one the file names (model_name, then
 * model_args pretrained/model/path), mapped through the catalog ("EleutherAI/pythia-v1.1-1b-bf16"
 * → "pythia-1b") or else to its last path segment ("Qwen/Qwen2.5-1.5B" → "Qwen2.5-1.5B").
 */
function resolveModel(file: ParsedEvalFile, options: ImportEvalsOptions, problems: Problem[]): string | null {
  if (options.model !== undefined) return options.model;
  const named = file.model;
  if (!named) {
    const backend = file.provenance.backend ? ` (config.model '${short(file.provenance.backend)}' is the harness backend, not a model)` : '';
    problems.push({ where: `${file.file}: model_name`, message: `names no model: neither model_name nor config.model_args pretrained/model/path is set${backend}; pass --model` });
    return null;
  }
  if (named.isPath) {
    problems.push({ where: `${file.file}: ${named.field}`, message: 'is a file-system path, not a model id (another run\'s path could end the same way); pass --model' });
    return null;
  }
  return modelIdFor(named.name);
}

/** The step of a file: the explicit one, else from its revision, else from its name. */
function resolveStep(file: ParsedEvalFile, options: ImportEvalsOptions, problems: Problem[]): number | null {
  const step = options.step ?? file.step?.value ?? null;
  if (step === null) {
    const why = file.revision ? `its revision '${short(file.revision)}' names no step` : 'it names no revision';
    problems.push({ where: `${file.file}: config.model_args.revision`, message: `no training step: ${why}, and the file name has no step<N>; pass --step` });
    return null;
  }
  if (!Number.isInteger(step) || step < 0) {
    problems.push({ where: file.file, message: `step must be a whole number >= 0 (${step})` });
    return null;
  }
  return step;
}

/**
 * Every (model, step, task, metric) cell of the import once. Two files giving one cell the same
 * value and stderr is one cell; different values are refused with IMPORT_CONFLICT listing
 * both files (the first 50 conflicts), and nothing is written.
 */
function checkConflicts(files: readonly ResolvedFile[]): { file: ResolvedFile; score: EvalScore }[] {
  const cells = new Map<string, { file: ResolvedFile; score: EvalScore }>();
  const conflicts: EvalConflict[] = [];
  let count = 0;
  for (const file of files) {
    for (const score of file.parsed.scores) {
      const key = `${file.modelId}\u0000${file.step}\u0000${score.task}\u0000${score.metric}`;
      const seen = cells.get(key);
      if (!seen) {
        cells.set(key, { file, score });
      } else if (!Object.is(seen.score.value, score.value) || !Object.is(seen.score.stderr, score.stderr)) {
        count++;
        if (conflicts.length < 50) {
          conflicts.push({
            modelId: file.modelId, step: file.step, task: score.task, metric: score.metric,
            files: [seen.file.parsed.file, file.parsed.file], values: [seen.score.value, score.value], stderrs: [seen.score.stderr, score.stderr],
          });
        }
      }
    }
  }
  if (count > 0) {
    const c = conflicts[0];
    throw new CortexError(
      'IMPORT_CONFLICT',
      `${count} cell${count === 1 ? '' : 's'} would be written by two files of this import with different values, e.g. ` +
        `${c.modelId} step ${c.step} ${c.task}/${c.metric}: ${c.values[0]} in ${c.files[0]} but ${c.values[1]} in ${c.files[1]}; ` +
        'nothing was written (import the files separately, or give them different models or steps)',
      { conflicts: JSON.parse(JSON.stringify(conflicts)), conflictCount: count },
    );
  }
  return [...cells.values()];
}

function short(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
