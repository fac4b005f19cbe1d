/** What the user picked to plot: a task (or task group) and metric, a brain score, or an internal metric. */
export type SignalChoice =
  | { readonly kind: 'TASK'; readonly task: string; readonly metric: string }
  | { readonly kind: 'BRAIN'; readonly dataset: string; readonly roi: string; readonly layer: number | null }
  | { readonly kind: 'INTERNAL'; readonly dataset: string; readonly metric: string; readonly layer: number };

/** The API's SignalInput (schema.graphql) for a choice. */
export function signalInput(s: SignalChoice): Record<string, unknown> {
  switch (s.kind) {
    case 'TASK':
      return { kind: 'TASK', task: s.task, metric: s.metric };
    case 'BRAIN':
      return s.layer === null ? { kind: 'BRAIN', dataset: s.dataset, roi: s.roi } : { kind: 'BRAIN', dataset: s.dataset, roi: s.roi, layer: s.layer };
    case 'INTERNAL':
      return { kind: 'INTERNAL', dataset: s.dataset, metric: s.metric, layer: s.layer };
  }
}

/** compareModels arguments: `task` + `metric` for a task, `signal` otherwise. */
export function compareArgs(s: SignalChoice): { task: string | null; metric: string; signal: Record<string, unknown> | null } {
  return s.kind === 'TASK' ? { task: s.task, metric: s.metric, signal: null } : { task: null, metric: 'acc', signal: signalInput(s) };
}

/** A short human label, e.g. "piqa / acc", "brain synth · all · best layer". */
export function signalLabel(s: SignalChoice): string {
  switch (s.kind) {
    case 'TASK':
      return `${s.task} / ${s.metric}`;
    case 'BRAIN':
      return `brain ${s.dataset} · ${s.roi} · ${s.layer === null ? 'best layer' : `layer ${s.layer}`}`;
    case 'INTERNAL':
      return `${s.metric} · layer ${s.layer} · ${s.dataset}`;
  }
}

/** The internal-state metrics the server computes (Model.internalTrajectory). */
export const INTERNAL_METRICS = ['twoNN', 'effectiveRank', 'participationRatio', 'anisotropy', 'meanNorm', 'linearCKA', 'linearCKAToFinal'] as const;

/**
 * A task group's member tasks, from its SQL LIKE patterns (`%` any run, `_` one character, `\`
 * escapes), so the metric menu of a group offers the metrics its members have.
 */
export function groupMembers(patterns: readonly string[], tasks: readonly string[]): string[] {
  const regexes = patterns.map((p) => new RegExp(`^${likeToRegex(p)}$`));
  return tasks.filter((t) => regexes.some((r) => r.test(t)));
}

function likeToRegex(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) out += escapeRegex(pattern[++i]);
    else if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else out += escapeRegex(c);
  }
  return out;
}

function escapeRegex(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
