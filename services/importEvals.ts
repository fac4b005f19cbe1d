import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { badInput, CortexError, importFailed, type Problem } from '../errors/CortexError.js';
import { readFailure } from '../formats/fileSource.js';
import { Checks, plain, shown } from '../formats/validation.js';
import { FileAccess, type Resolved } from './fileAccess.js';
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
 * Reads files (each with the sha256 of its bytes), collecting every problem instead of stopping at
 * the first. Parsing waits for importEvalDocuments (Python's NaN / Infinity literals are read there).
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
      const bytes = files.read(ref, 'json');
      docs.push({ fileName: name, text: bytes.toString('utf8'), sha256: createHash('sha256').update(bytes).digest('hex') });
    } catch (error) {
      problems.push({ where: name, message: readFailure(error) });
    }
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
  const checks = new Checks(problems);
  // Overrides are checked once, as the fields of the call (`model`, `step`).
  if (options.model !== undefined) checks.id('model', options.model);
  if (options.step !== undefined) checks.step('step', options.step);
  for (const [i, doc] of docs.entries()) {
    if (!checks.text(`documents.${i}.fileName`, doc.fileName, 1000)) continue;
    const content = documentContent(doc, problems);
    if (content === undefined) continue;
    const parsed = parseLmEvalResults(content, doc.fileName, problems);
    if (!parsed) continue;
    const modelId = resolveModel(parsed, options, problems);
    const step = resolveStep(parsed, options, problems);
    const ok = [
      modelId === null || options.model !== undefined || checks.id(`${doc.fileName}: model`, modelId),
      step === null || options.step !== undefined || checks.step(`${doc.fileName}: step`, step),
      ...[...new Set(parsed.scores.map((s) => s.task))].map((task) => checks.name(`${doc.fileName}: results.${plain(task)}`, task)),
      ...[...new Map(parsed.scores.map((s) => [JSON.stringify([s.task, s.metric]), s])).values()].map((s) => checks.name(`${doc.fileName}: results.${plain(s.task)}.${plain(s.metric)}`, s.metric)),
    ].every(Boolean);
    if (ok && modelId !== null && step !== null) files.push({ parsed, sha256: doc.sha256 ?? sha256Of(doc), modelId, step });
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

/** Imports a file or a folder (recursively); for the API, `files` confines the path to the import roots. */
export async function importEvalsFromPath(wh: Warehouse, path: string, options: ImportEvalsOptions = {}, files: FileAccess = FileAccess.local()): Promise<ImportReport> {
  const refs = collectJsonFiles(path, files);
  const problems: Problem[] = [];
  const docs = readEvalDocuments(refs, problems, options.onProgress, files);
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
    const backend = file.provenance.backend ? ` (config.model ${shown(file.provenance.backend)} is the harness backend, not a model)` : '';
    problems.push({ where: `${file.file}: model_name`, message: `names no model: neither model_name nor config.model_args pretrained/model/path is set${backend}; pass --model` });
    return null;
  }
  if (named.isPath) {
    problems.push({ where: `${file.file}: ${named.field}`, message: 'is a file-system path, not a model id (another run\'s path could end the same way); pass --model' });
    return null;
  }
  return modelIdFor(named.name);
}

/** The step of a file: the explicit one, else from its revision, else from its name (each checked against the step rule by the caller or by stepInName). */
function resolveStep(file: ParsedEvalFile, options: ImportEvalsOptions, problems: Problem[]): number | null {
  const step = options.step ?? file.step?.value ?? null;
  if (step === null) {
    const why = file.revision ? `its revision ${shown(file.revision)} names no step` : 'it names no revision';
    problems.push({ where: `${file.file}: config.model_args.revision`, message: `no training step: ${why}, and the file name has no step<N>; pass --step` });
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
