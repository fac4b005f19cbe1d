/**
 * What a reader needs to trust a score, as one lm-evaluation-harness results file records it:
 * which harness ran (version, git hash), when, on which model arguments, dtype and batch size,
 * how many shots and examples (limit, sample counts), which task versions and filters, and how
 * the file's groups are made of its tasks. Fields the file does not have are null (v0.3 files
 * have no date or harness version, for instance).
 */
export interface EvalProvenance {
  /** `lm_eval_version` (written by recent 0.4 releases). */
  readonly harnessVersion: string | null;
  /** `git_hash` of the harness checkout (top level, or inside a GPT-NeoX `model_args`). */
  readonly gitHash: string | null;
  /** When the evaluation ran (`date`, Unix seconds in v0.4), as ISO 8601. */
  readonly evaluatedAt: string | null;
  /** `config.model`: the harness backend (hf, vllm, …), not the model. */
  readonly backend: string | null;
  /** `config.model_args` as the file has it (a string, or a dict re-serialised as JSON). */
  readonly modelArgs: string | null;
  readonly dtype: string | null;
  /** `config.batch_size` ("auto" or a number, as text) and, when the harness recorded them, the sizes it chose. */
  readonly batchSize: string | null;
  /** `config.limit`: examples per task (a count, or a fraction below 1); null when the whole set ran. */
  readonly limit: number | null;
  readonly transformersVersion: string | null;
  /** task → version (`versions`). */
  readonly taskVersions: Readonly<Record<string, string>>;
  /** task → few-shot count (`n-shot`; v0.3: `config.num_fewshot` for every task). */
  readonly nShot: Readonly<Record<string, number>>;
  /** task → the filters its metrics were reported under (`acc,none` → none; v0.3: none). */
  readonly filters: Readonly<Record<string, readonly string[]>>;
  /** task → examples evaluated (`n-samples` effective, or `sample_len` / `samples`) and in the dataset (`original`). */
  readonly sampleCounts: Readonly<Record<string, { readonly effective: number | null; readonly original: number | null }>>;
  /** group → its direct subtasks (`group_subtasks`, groups with members only). */
  readonly groupSubtasks: Readonly<Record<string, readonly string[]>>;
}

export function evalProvenance(
  doc: Record<string, unknown>,
  config: Record<string, unknown>,
  modelArgs: Record<string, unknown>,
  groupSubtasks: Readonly<Record<string, string[]>>,
): EvalProvenance {
  const results = obj(doc.results);
  const taskNames = Object.keys(results);
  const nShot: Record<string, number> = {};
  for (const [task, n] of Object.entries(obj(doc['n-shot']))) if (typeof n === 'number') nShot[task] = n;
  if (Object.keys(nShot).length === 0 && typeof config.num_fewshot === 'number') for (const t of taskNames) nShot[t] = config.num_fewshot;

  const filters: Record<string, string[]> = {};
  const sampleCounts: Record<string, { effective: number | null; original: number | null }> = {};
  for (const [task, metrics] of Object.entries(results)) {
    const m = obj(metrics);
    const names = new Set(Object.keys(m).filter((k) => k.includes(',') && !k.split(',')[0].endsWith('_stderr')).map((k) => k.slice(k.indexOf(',') + 1)));
    filters[task] = names.size ? [...names].sort() : ['none'];
    const n = num(m.sample_len) ?? num(m.samples);
    if (n !== null) sampleCounts[task] = { effective: n, original: null };
  }
  for (const [task, counts] of Object.entries(obj(doc['n-samples']))) {
    const c = obj(counts);
    sampleCounts[task] = { effective: num(c.effective) ?? sampleCounts[task]?.effective ?? null, original: num(c.original) };
  }
  const taskVersions: Record<string, string> = {};
  for (const [task, v] of Object.entries(obj(doc.versions))) if (typeof v === 'number' || typeof v === 'string') taskVersions[task] = String(v);
  const batchSizes = Array.isArray(config.batch_sizes) && config.batch_sizes.length > 0 ? ` (${config.batch_sizes.join(', ')})` : '';
  const batch = config.batch_size === undefined || config.batch_size === null ? null : `${String(config.batch_size)}${batchSizes}`;

  return {
    harnessVersion: text(doc.lm_eval_version),
    gitHash: text(doc.git_hash) ?? text(modelArgs.git_hash),
    evaluatedAt: isoDate(doc.date),
    backend: text(config.model),
    modelArgs: typeof config.model_args === 'string' ? config.model_args : config.model_args === undefined || config.model_args === null ? null : JSON.stringify(config.model_args),
    dtype: text(modelArgs.dtype) ?? text(modelArgs.torch_dtype) ?? text(config.model_dtype),
    batchSize: batch,
    limit: num(config.limit),
    transformersVersion: text(doc.transformers_version),
    taskVersions,
    nShot,
    filters,
    sampleCounts,
    groupSubtasks: Object.fromEntries(Object.entries(groupSubtasks).filter(([, list]) => list.length > 0)),
  };
}

function isoDate(raw: unknown): string | null {
  if (typeof raw === 'number' && Number.isFinite(raw)) {
    const d = new Date(raw * 1000);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  return text(raw);
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
}
