import { z } from 'zod';
import type { Problem } from '../errors/CortexError.js';

/**
 * The input rules every door applies — GraphQL mutations, CLI commands, file importers and
 * sharing bundles alike — so nothing stored through one door would be refused by another.
 * The README's "What is accepted" section documents them; test/formats/validation.test.ts
 * holds the examples.
 *
 * - **Ids** (models, datasets, subjects, fMRI runs): 1–200 characters from `A–Z a–z 0–9 . _ - /`;
 *   `/` separates segments (`EleutherAI/pythia-70m`), and no segment is empty, `.` or `..`.
 * - **Names** (tasks, metrics, ROIs): 1–200 printable characters — any letter, mark, number,
 *   punctuation, symbol or space, but no control or format characters (newlines, NUL, zero-width
 *   and bidirectional overrides such as U+202E), no line/paragraph separators, no unpaired
 *   surrogates, and no leading or trailing white space (so never empty or white space only).
 * - **Steps**: integers 0 ≤ step ≤ 2^31 − 1 (the warehouse's INTEGER); **layers** 0…32767.
 * - **Numbers** that are stored are finite; NaN is accepted only where a field documents it as
 *   "unknown" (voxel coordinates), and is stored as NULL.
 * - **fMRI TR**: 0.05 ≤ `trSeconds` ≤ 60.
 */
export const MAX_STEP = 2 ** 31 - 1;
export const MAX_LAYER = 32_767;
export const MAX_ID_LENGTH = 200;
export const TR_SECONDS = { min: 0.05, max: 60 } as const;

const ID_CHARS = /^[A-Za-z0-9._\-/]+$/;
// \p{C}: control, format (bidi overrides, zero-width), surrogate, private-use and unassigned characters.
const NAME_CHARS = /^[^\p{C}\p{Zl}\p{Zp}]+$/u;

/** What is wrong with an id, or null when it follows the id rule. */
export function idProblem(value: unknown): string | null {
  if (typeof value !== 'string') return `must be a string (got ${describe(value)})`;
  if (value.length === 0) return 'must not be empty';
  if (value.length > MAX_ID_LENGTH) return `must be at most ${MAX_ID_LENGTH} characters (got ${value.length})`;
  if (!ID_CHARS.test(value)) return `${shown(value)} may only hold letters A–Z a–z, digits, '.', '_', '-' and '/'`;
  if (value.split('/').some((s) => s === '' || s === '.' || s === '..')) return `${shown(value)} has an empty, '.' or '..' segment`;
  return null;
}

/** What is wrong with a name (task, metric, ROI), or null when it follows the name rule. */
export function nameProblem(value: unknown): string | null {
  return textProblem(value, MAX_ID_LENGTH);
}

/** The name rule with another length: file names recorded as a score's source (up to 1000). */
export function textProblem(value: unknown, maxLength: number): string | null {
  if (typeof value !== 'string') return `must be a string (got ${describe(value)})`;
  if (value.trim().length === 0) return 'must not be empty or white space only';
  if (value.length > maxLength) return `must be at most ${maxLength} characters (got ${value.length})`;
  if (!NAME_CHARS.test(value)) return `${shown(value)} holds a control, format or invisible character (newline, NUL, bidirectional override, …)`;
  if (value.trim() !== value) return `${shown(value)} has leading or trailing white space`;
  return null;
}

/** What is wrong with a step, or null. */
export function stepProblem(value: unknown): string | null {
  return intProblem(value, 0, MAX_STEP);
}

/** What is wrong with a layer index, or null. */
export function layerProblem(value: unknown): string | null {
  return intProblem(value, 0, MAX_LAYER);
}

/** What is wrong with an integer that must lie in [min, max], or null. */
export function intProblem(value: unknown, min: number, max: number): string | null {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return `must be an integer from ${min} to ${max} (got ${describe(value)})`;
  }
  return null;
}

/** What is wrong with a number that is stored, or null: finite, and within [min, max] when given. */
export function finiteProblem(value: unknown, range: { min?: number; max?: number } = {}): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a finite number (got ${describe(value)})`;
  if (range.min !== undefined && value < range.min) return `must be ≥ ${range.min} (got ${value})`;
  if (range.max !== undefined && value > range.max) return `must be ≤ ${range.max} (got ${value})`;
  return null;
}

export function trSecondsProblem(value: unknown): string | null {
  return finiteProblem(value, TR_SECONDS);
}

/**
 * Collects every problem of one input under its `where` (a file, a field), so a door reports them
 * all at once (IMPORT_FAILED / BAD_USER_INPUT with `problems`). Each check returns whether the
 * value passed.
 */
export class Checks {
  readonly problems: Problem[];
  constructor(problems: Problem[] = []) {
    this.problems = problems;
  }
  private add(where: string, problem: string | null): boolean {
    if (problem !== null) this.problems.push({ where, message: problem });
    return problem === null;
  }
  id(where: string, value: unknown): boolean {
    return this.add(where, idProblem(value));
  }
  name(where: string, value: unknown): boolean {
    return this.add(where, nameProblem(value));
  }
  text(where: string, value: unknown, maxLength: number): boolean {
    return this.add(where, textProblem(value, maxLength));
  }
  step(where: string, value: unknown): boolean {
    return this.add(where, stepProblem(value));
  }
  layer(where: string, value: unknown): boolean {
    return this.add(where, layerProblem(value));
  }
  int(where: string, value: unknown, min: number, max: number): boolean {
    return this.add(where, intProblem(value, min, max));
  }
  finite(where: string, value: unknown, range?: { min?: number; max?: number }): boolean {
    return this.add(where, finiteProblem(value, range));
  }
  /** Values that must be unique within one input (subject ids of a manifest, steps of a call). */
  unique(where: string, values: readonly unknown[], what: string): boolean {
    const seen = new Set<unknown>();
    const twice = new Set<unknown>();
    for (const v of values) (seen.has(v) ? twice : seen).add(v);
    for (const v of twice) this.problems.push({ where, message: `${what} ${shown(String(v))} appears more than once` });
    return twice.size === 0;
  }
  get ok(): boolean {
    return this.problems.length === 0;
  }
}

/** zod schemas of the same rules, for formats validated with zod (manifests, bundles). */
const refined = (check: (v: unknown) => string | null) => (value: unknown, ctx: z.RefinementCtx) => {
  const problem = check(value);
  if (problem !== null) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
};
export const idSchema = z.string().superRefine(refined(idProblem));
export const nameSchema = z.string().superRefine(refined(nameProblem));
export const stepSchema = z.number().superRefine(refined(stepProblem));
export const trSecondsSchema = z.number().superRefine(refined(trSecondsProblem));

/**
 * A step written in text (a CLI flag, a list item): digits only, in range — `1e20`, `-5`, `3.0`,
 * `0x10` and `a` are refused rather than read as some other number.
 */
export function parseStepText(text: string): number | string {
  const t = text.trim();
  if (!/^\d{1,10}$/.test(t)) return `${shown(t)} is not a step (an integer from 0 to ${MAX_STEP})`;
  const n = Number(t);
  return n > MAX_STEP ? `step ${t} is above ${MAX_STEP}` : n;
}

/**
 * The step of an lm-eval revision or a checkpoint name: `step3000`, `global_step3000`, or in a
 * file or folder name `…_step3000.json` / `step-3000`. `{ step }` when it names one, `{ invalid }`
 * when it looks like a step but is not one (`step-5` as a revision, `step2147483648`), `null`
 * when it names none.
 */
export function stepInName(text: string | null | undefined, kind: 'revision' | 'name'): { step: number } | { invalid: string } | null {
  if (!text) return null;
  // A revision is a branch name: `step3000`, `global_step3000`, `stage1-step140000-tokens588B` (OLMo).
  const pattern = kind === 'revision' ? /(?:^|[-_/])(?:global_)?step(\d+)(?=$|[-_])/i : /step[_-]?(\d+)/i;
  const m = pattern.exec(text.trim());
  if (!m) return kind === 'revision' && /step[-_]?\d/i.test(text) ? { invalid: `revision ${shown(text)} is not stepN with an integer N from 0 to ${MAX_STEP}` } : null;
  const step = Number(m[1]);
  return step > MAX_STEP || m[1].length > 10 ? { invalid: `step ${m[1].slice(0, 20)} in ${shown(text)} is above ${MAX_STEP}` } : { step };
}

/**
 * JSON.parse without echoing the text in errors: V8's messages quote the input
 * (`Unexpected token 'r', "root:*:1…" is not valid JSON`), which would hand file content to
 * whoever sent the path. The error says where (line and column), never what.
 */
export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (text.trim().length === 0) throw new Error('not valid JSON (empty)');
    const at = errorOffset(text, (error as Error).message);
    if (at === null) throw new Error('not valid JSON');
    if (at >= text.length) throw new Error('not valid JSON (it ends too early: truncated?)');
    const before = text.slice(0, at);
    throw new Error(`not valid JSON (line ${before.split('\n').length}, column ${at - before.lastIndexOf('\n')})`);
  }
}

/**
 * Where JSON text first goes wrong. V8 gives a position for some errors only, so otherwise the
 * longest prefix that is still a valid beginning of JSON is found by bisection (a prefix of a
 * valid prefix is valid): log2(n) parses, on failure only, for texts up to 8 MB.
 */
function errorOffset(text: string, message: string): number | null {
  const position = /position (\d+)/.exec(message);
  if (position) return Number(position[1]);
  if (/^Unexpected end of JSON input/.test(message)) return text.length;
  if (text.length > 8 * 2 ** 20) return null;
  const validPrefix = (k: number): boolean => {
    try {
      JSON.parse(text.slice(0, k));
      return true;
    } catch (e) {
      const m = (e as Error).message;
      const p = /position (\d+)/.exec(m);
      return /^Unexpected end of JSON input/.test(m) || (p !== null && Number(p[1]) >= k);
    }
  };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (validPrefix(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A value for a message: as is when it is a plain name (letters, digits, `. _ - / ,`, up to 80), else as `shown`. */
export function plain(value: string): string {
  return /^[\w.,\-/]{1,80}$/.test(value) ? value : shown(value);
}

/** A value for a message: strings quoted and cut at `max` characters (40), control characters escaped. */
export function shown(value: string, max = 40): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut).replace(/[\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return shown(value);
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}
