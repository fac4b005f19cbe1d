import type { Problem } from '../errors/CortexError.js';
import { evalProvenance, type EvalProvenance } from './lmEvalProvenance.js';
import { stepInName } from './validation.js';

/** One metric of one task (or group) in one lm-evaluation-harness results file. */
export interface EvalScore {
  readonly task: string;
  readonly metric: string;
  /** null when the file holds NaN or ±Infinity (`nullReason` says which): never stored as a number. */
  readonly value: number | null;
  readonly stderr: number | null;
  readonly nullReason: string | null;
  /** For a group the file aggregated: its direct subtasks as the file lists them (null for a task, or when the file does not list them). */
  readonly subtasks: readonly string[] | null;
  /** For a group: how many leaf tasks it covers, expanding subgroups (null for a task, or unknown). */
  readonly leafCount: number | null;
}

/** Where the model named by a file came from (the id a reader can trace back to the file). */
export interface NamedModel {
  readonly name: string;
  /** JSON path of the field it was read from, e.g. `model_name` or `config.model_args.pretrained`. */
  readonly field: string;
  /** The name is a file-system path, which is no model id (`/scratch/ckpt/step1000`). */
  readonly isPath: boolean;
}

export interface ParsedEvalFile {
  readonly file: string;
  readonly format: 'v0.3' | 'v0.4';
  /** The model as the file names it, before catalog resolution; null when it names none. */
  readonly model: NamedModel | null;
  /** The revision the file evaluated (`model_args` revision, else `config.model_revision`). */
  readonly revision: string | null;
  /** The training step and what it was read from; null when neither the revision nor the file name has one. */
  readonly step: { readonly value: number; readonly from: 'revision' | 'file name' } | null;
  readonly scores: readonly EvalScore[];
  readonly provenance: EvalProvenance;
}

/**
 * Keys of a task's result object that are not metrics: the harness writes the task's name and
 * display alias, and its sample count as `samples` (v0.4.0–0.4.5) or `sample_len` / `sample_count`
 * (later; lm_eval/result_schema.py `_TaskMetrics`). Sample counts go to the provenance.
 */
const NOT_METRICS = new Set(['name', 'alias', 'task', 'samples', 'sample_len', 'sample_count']);

/**
 * Parses one lm-evaluation-harness results document, in either format:
 * - v0.3 (EleutherAI's Pythia evals): `results.<task>.<metric>` and `<metric>_stderr`,
 *   `config.model_args` = "pretrained=EleutherAI/pythia-70m,revision=step3000".
 * - v0.4+: `results.<task>["<metric>,<filter>"]`, `["<metric>_stderr,<filter>"]` ("N/A" when not
 *   computed), non-metric keys (`alias`, `sample_len`, …), group rows both in `results` and in a
 *   `groups` section (up to 0.4.2), `group_subtasks`, `model_name`, and `config.model_args` as a
 *   string or (Python API, vllm) a dict.
 * Every numeric metric is kept, and only metrics. Problems are pushed to `problems` (all of them,
 * with the JSON path), so one call can report every bad field of every file.
 */
export function parseLmEvalResults(doc: unknown, file: string, problems: Problem[]): ParsedEvalFile | null {
  const before = problems.length;
  const where = (path: string) => `${file}: ${path}`;
  if (!isObject(doc)) {
    problems.push({ where: file, message: 'expected a JSON object' });
    return null;
  }
  if (!isObject(doc.results)) {
    problems.push({ where: where('results'), message: 'missing or not an object (not an lm-evaluation-harness results file)' });
    return null;
  }
  const config = isObject(doc.config) ? doc.config : {};
  const modelArgs = modelArgsOf(config.model_args);
  const format = Object.values(doc.results).some((m) => isObject(m) && Object.keys(m).some((k) => k.includes(','))) ? 'v0.4' : 'v0.3';
  const groupSubtasks = subtasksOf(doc.group_subtasks);
  const groupNames = new Set([...Object.keys(isObject(doc.groups) ? doc.groups : {}), ...Object.keys(groupSubtasks).filter((g) => groupSubtasks[g].length > 0)]);

  const scores = new Map<string, EvalScore>();
  const sections: [string, unknown][] = [['results', doc.results], ['groups', doc.groups]];
  for (const [name, section] of sections) {
    if (isObject(section)) collectSection(section, name, format, groupNames, groupSubtasks, scores, problems, where);
  }
  if (scores.size === 0 && problems.length === before) problems.push({ where: where('results'), message: 'no numeric metrics found' });

  const model = namedModel(doc, config, modelArgs);
  const revisionField = str(modelArgs.revision) ? 'config.model_args' : str(config.model_revision) ? 'config.model_revision' : 'model_revision';
  const revision = str(modelArgs.revision) ?? str(config.model_revision) ?? str(doc.model_revision) ?? null;
  const step = stepOf([[stepInName(revision, 'revision'), revisionField, 'revision'], [stepInName(file, 'name'), '(file name)', 'file name']], problems, where);
  if (problems.length > before) return null;
  return { file, format, model, revision, step, scores: [...scores.values()], provenance: evalProvenance(doc, config, modelArgs, groupSubtasks) };
}

function collectSection(
  section: Record<string, unknown>,
  sectionName: string,
  format: 'v0.3' | 'v0.4',
  groupNames: ReadonlySet<string>,
  groupSubtasks: Readonly<Record<string, string[]>>,
  out: Map<string, EvalScore>,
  problems: Problem[],
  where: (path: string) => string,
): void {
  for (const [task, metrics] of Object.entries(section)) {
    if (!isObject(metrics)) {
      problems.push({ where: where(`${sectionName}.${task}`), message: 'expected an object of metrics' });
      continue;
    }
    const isGroup = groupNames.has(task) || sectionName === 'groups';
    for (const [key, raw] of Object.entries(metrics)) {
      const parsed = metricKey(key, format);
      if (parsed === null || typeof raw !== 'number') continue; // not a metric, or "N/A" and other strings
      const { metric, filter } = parsed;
      const stderrKey = format === 'v0.4' ? `${metric}_stderr,${filter}` : `${metric}_stderr`;
      const stderrRaw = metrics[stderrKey];
      if (typeof stderrRaw === 'number' && Number.isFinite(stderrRaw) && stderrRaw < 0) {
        problems.push({ where: where(`${sectionName}.${task}.${stderrKey}`), message: `stderr must be >= 0 (${stderrRaw})` });
        continue;
      }
      const score: EvalScore = {
        task,
        metric: format === 'v0.4' && filter !== 'none' ? `${metric},${filter}` : metric,
        value: Number.isFinite(raw) ? raw : null,
        stderr: typeof stderrRaw === 'number' && Number.isFinite(stderrRaw) ? stderrRaw : null,
        nullReason: Number.isFinite(raw) ? null : `the file holds ${raw} for ${sectionName}.${task}.${key}`,
        subtasks: isGroup ? groupSubtasks[task] ?? null : null,
        leafCount: isGroup ? leafCount(task, groupSubtasks) : null,
      };
      const id = `${score.task}\u0000${score.metric}`;
      const seen = out.get(id);
      // A group appears both in `results` and in `groups` (v0.4.0–0.4.2): the same value twice is one score.
      if (seen && !Object.is(seen.value, score.value)) {
        problems.push({ where: where(`${sectionName}.${task}.${key}`), message: `${seen.value} in results but ${score.value} in groups` });
      }
      if (!seen) out.set(id, score);
    }
  }
}

/** A result key's metric and filter, or null when the key is no metric (a stderr, alias, sample count, …). */
function metricKey(key: string, format: 'v0.3' | 'v0.4'): { metric: string; filter: string } | null {
  const comma = key.indexOf(',');
  // v0.4 writes every metric as "metric,filter"; a bare key there is bookkeeping.
  if (format === 'v0.4' && comma < 0) return null;
  const metric = comma < 0 ? key : key.slice(0, comma);
  if (metric.endsWith('_stderr') || NOT_METRICS.has(metric)) return null;
  return { metric, filter: comma < 0 ? 'none' : key.slice(comma + 1) };
}

/** Leaf tasks under a group, expanding subgroups (cycles and unknown subgroups count as leaves once). */
function leafCount(group: string, subtasks: Readonly<Record<string, string[]>>): number | null {
  if (!subtasks[group]) return null;
  const leaves = new Set<string>();
  const visit = (name: string, path: Set<string>) => {
    const children = subtasks[name];
    if (!children || children.length === 0 || path.has(name)) {
      leaves.add(name);
      return;
    }
    for (const c of children) visit(c, new Set([...path, name]));
  };
  visit(group, new Set());
  return leaves.size;
}

function subtasksOf(raw: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!isObject(raw)) return out;
  for (const [group, list] of Object.entries(raw)) if (Array.isArray(list)) out[group] = list.filter((x): x is string => typeof x === 'string');
  return out;
}

/**
 * The model a file names, in order: `model_name` (v0.4.2+ writes the `pretrained` argument
 * there), then `model_args`' `pretrained`, `model` or `path`. Never `config.model`: that is the
 * harness backend (`hf`, `vllm`, `openai-chat-completions`, …), shared by every model it runs.
 */
function namedModel(doc: Record<string, unknown>, config: Record<string, unknown>, modelArgs: Record<string, unknown>): NamedModel | null {
  const candidates: [unknown, string][] = [
    [doc.model_name, 'model_name'],
    [config.model_name, 'config.model_name'],
    [modelArgs.pretrained, 'config.model_args.pretrained'],
    [modelArgs.model, 'config.model_args.model'],
    [modelArgs.path, 'config.model_args.path'],
  ];
  for (const [value, field] of candidates) {
    const name = str(value)?.trim();
    if (name) return { name, field, isPath: isFilePath(name) };
  }
  return null;
}

/** `/scratch/x`, `./x`, `../x`, `~/x`, `C:\x` or `a/b/c`: a path on someone's disk, where a hub id is `org/name`. */
export function isFilePath(name: string): boolean {
  return /^(\/|\.{1,2}[\\/]|~|[a-z]:\\)/i.test(name) || name.includes('\\') || name.split('/').filter(Boolean).length > 2;
}

/** `config.model_args`: "pretrained=EleutherAI/pythia-70m,revision=step3000,dtype=float16" or the same as a dict. */
export function modelArgsOf(raw: unknown): Record<string, unknown> {
  if (isObject(raw)) return raw;
  if (typeof raw !== 'string') return {};
  const out: Record<string, unknown> = {};
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/**
 * The first step named (the revision, then the file name); one that looks like a step but is none
 * is a problem (`revision=step-5`, `step2147483648`).
 */
function stepOf(
  candidates: readonly [ReturnType<typeof stepInName>, string, 'revision' | 'file name'][],
  problems: Problem[],
  where: (path: string) => string,
): ParsedEvalFile['step'] {
  for (const [found, field, from] of candidates) {
    if (found === null) continue;
    if ('invalid' in found) {
      problems.push({ where: where(field), message: found.invalid });
      return null;
    }
    return { value: found.step, from };
  }
  return null;
}

/**
 * The step a path names (ONNX checkpoint files and folders): the first `step<N>`, `step-<N>` or
 * `step_<N>` in it (so also `global_step<N>`, `70m_step3000.json`) → N.
 */
export function stepFrom(text: string | undefined | null): number | null {
  if (!text) return null;
  const m = /step[_-]?(\d+)/i.exec(text);
  return m ? Number(m[1]) : null;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
