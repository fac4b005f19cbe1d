import type { Problem } from '../errors/CortexError.js';
import { stepInName } from './validation.js';

/** One metric of one task in one lm-evaluation-harness results file. */
export interface EvalScore {
  readonly task: string;
  readonly metric: string;
  readonly value: number;
  readonly stderr: number | null;
}

export interface ParsedEvalFile {
  readonly file: string;
  /** The model as the file names it (`pretrained=` or `model_name`), before catalog resolution. */
  readonly modelName: string | null;
  readonly step: number | null;
  readonly scores: readonly EvalScore[];
  readonly format: 'v0.3' | 'v0.4';
}

/**
 * Parses one lm-evaluation-harness results document, in either format:
 * - v0.3 (EleutherAI's Pythia evals): `results.<task>.<metric>` and `<metric>_stderr`,
 *   `config.model_args` = "pretrained=EleutherAI/pythia-70m,revision=step3000".
 * - v0.4+: `results.<task>["<metric>,<filter>"]`, `["<metric>_stderr,<filter>"]`, an `alias`
 *   string, a `groups` section of the same shape, `model_name` / `config.model_name`.
 * Every numeric metric is kept. Problems are pushed to `problems` (all of them, with the JSON
 * path), so one call can report every bad field of every file.
 */
export function parseLmEvalResults(doc: unknown, file: string, problems: Problem[]): ParsedEvalFile | null {
  const before = problems.length;
  const where = (path: string) => `${file}: ${path}`;
  if (!isObject(doc)) {
    problems.push({ where: file, message: 'expected a JSON object' });
    return null;
  }
  if (!isObject(doc.results)) {
    problems.push({ where: where('results'), message: 'missing or not an object' });
    return null;
  }
  const config = isObject(doc.config) ? doc.config : {};
  const modelArgs = typeof config.model_args === 'string' ? parseModelArgs(config.model_args) : {};
  const format = Object.values(doc.results).some((m) => isObject(m) && Object.keys(m).some((k) => k.includes(',')))
    ? 'v0.4'
    : 'v0.3';

  const scores: EvalScore[] = [];
  collectSection(doc.results, 'results', format, scores, problems, where);
  if (isObject(doc.groups)) collectSection(doc.groups, 'groups', format, scores, problems, where);
  if (scores.length === 0 && problems.length === before) {
    problems.push({ where: where('results'), message: 'no numeric metrics found' });
  }

  const modelName =
    str(modelArgs.pretrained) ?? str(doc.model_name) ?? str(config.model_name) ?? str(config.model) ?? null;
  const step = stepOf([[stepInName(modelArgs.revision, 'revision'), 'config.model_args'], [stepInName(str(doc.model_revision), 'revision'), 'model_revision'], [stepInName(file, 'name'), '(file name)']], problems, where);
  return problems.length > before ? null : { file, modelName, step, scores, format };
}

function collectSection(
  section: Record<string, unknown>,
  sectionName: string,
  format: 'v0.3' | 'v0.4',
  out: EvalScore[],
  problems: Problem[],
  where: (path: string) => string,
): void {
  for (const [task, metrics] of Object.entries(section)) {
    if (!isObject(metrics)) {
      problems.push({ where: where(`${sectionName}.${task}`), message: 'expected an object of metrics' });
      continue;
    }
    for (const [key, raw] of Object.entries(metrics)) {
      const { metric, filter } = splitMetricKey(key, format);
      if (metric === 'alias' || metric.endsWith('_stderr')) continue;
      if (typeof raw !== 'number' || !Number.isFinite(raw)) {
        // v0.4 writes "N/A" and strings for non-metrics; only a non-finite number is an error.
        if (typeof raw === 'number') problems.push({ where: where(`${sectionName}.${task}.${key}`), message: `not a finite number (${raw})` });
        continue;
      }
      const stderrKey = format === 'v0.4' ? `${metric}_stderr,${filter}` : `${metric}_stderr`;
      const stderrRaw = metrics[stderrKey];
      let stderr: number | null = null;
      if (typeof stderrRaw === 'number') {
        if (!Number.isFinite(stderrRaw) || stderrRaw < 0) {
          problems.push({ where: where(`${sectionName}.${task}.${stderrKey}`), message: `stderr must be a finite number >= 0 (${stderrRaw})` });
          continue;
        }
        stderr = stderrRaw;
      }
      const name = format === 'v0.4' && filter !== 'none' ? `${metric},${filter}` : metric;
      out.push({ task, metric: name, value: raw, stderr });
    }
  }
}

function splitMetricKey(key: string, format: 'v0.3' | 'v0.4'): { metric: string; filter: string } {
  if (format === 'v0.3') return { metric: key, filter: 'none' };
  const comma = key.indexOf(',');
  return comma < 0 ? { metric: key, filter: 'none' } : { metric: key.slice(0, comma), filter: key.slice(comma + 1) };
}

/** "pretrained=EleutherAI/pythia-70m,revision=step3000,dtype=float16" → a key/value map. */
export function parseModelArgs(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of args.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** The first step named (revision, then model_revision, then the file name); one that looks like a step but is none is a problem (`revision=step-5`, `step2147483648`). */
function stepOf(candidates: readonly [ReturnType<typeof stepInName>, string][], problems: Problem[], where: (path: string) => string): number | null {
  for (const [found, field] of candidates) {
    if (found === null) continue;
    if ('invalid' in found) {
      problems.push({ where: where(field), message: found.invalid });
      return null;
    }
    return found.step;
  }
  return null;
}

/** "step3000", "global_step3000" or a file name "70m_step3000.json" → 3000. */
export function stepFrom(text: string | undefined | null): number | null {
  if (!text) return null;
  const m = /step[_-]?(\d+)/i.exec(text);
  return m ? Number(m[1]) : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
