/** What the user picked to plot: a task (or task group) and metric, a brain score, or an internal metric. */
export type SignalChoice =
  | { readonly kind: 'TASK'; readonly task: string; readonly metric: string }
  | { readonly kind: 'BRAIN'; readonly dataset: string; readonly roi: string; readonly layer: number | null; readonly statistic?: BrainStatistic }
  | { readonly kind: 'INTERNAL'; readonly dataset: string; readonly metric: string; readonly layer: number };

/** The API's BrainStatistic values; MEAN_R is the API's default. */
export const BRAIN_STATISTICS = ['MEAN_R', 'MEDIAN_R', 'TOP_MEAN_R', 'CEILED_MEAN_R'] as const;
export type BrainStatistic = (typeof BRAIN_STATISTICS)[number];

/** What each statistic is, with its unit: the y-axis label of a brain chart. */
export const STATISTIC_UNITS: Readonly<Record<BrainStatistic, string>> = {
  MEAN_R: 'mean voxel r',
  MEDIAN_R: 'median voxel r',
  TOP_MEAN_R: 'mean r, top 10% voxels',
  CEILED_MEAN_R: 'noise-ceiled r (fraction)',
};

/** Task metrics as people say them; others are shown as named. */
const METRIC_UNITS: Readonly<Record<string, string>> = {
  acc: 'accuracy',
  acc_norm: 'accuracy (length-normalised)',
  perplexity: 'perplexity',
  ppl: 'perplexity',
  word_perplexity: 'word perplexity',
  f1: 'F1',
  em: 'exact match',
  exact_match: 'exact match',
  mcc: 'Matthews correlation',
};

/** Internal metrics with their units. */
const INTERNAL_UNITS: Readonly<Record<string, string>> = {
  twoNN: 'intrinsic dimension (TwoNN)',
  effectiveRank: 'effective rank',
  participationRatio: 'participation ratio',
  anisotropy: 'anisotropy (mean cosine)',
  meanNorm: 'mean ‖h‖₂',
  linearCKA: 'linear CKA to previous',
  linearCKAToFinal: 'linear CKA to final',
};

/** The y-axis label: the statistic and its unit ("mean voxel r", "accuracy"); the context goes in the title. */
export function signalUnit(s: SignalChoice): string {
  switch (s.kind) {
    case 'TASK':
      return METRIC_UNITS[s.metric] ?? s.metric;
    case 'BRAIN':
      return STATISTIC_UNITS[s.statistic ?? 'MEAN_R'];
    case 'INTERNAL':
      return INTERNAL_UNITS[s.metric] ?? s.metric;
  }
}

/** The API's SignalInput (schema.graphql) for a choice. */
export function signalInput(s: SignalChoice): Record<string, unknown> {
  switch (s.kind) {
    case 'TASK':
      return { kind: 'TASK', task: s.task, metric: s.metric };
    case 'BRAIN':
      return {
        kind: 'BRAIN', dataset: s.dataset, roi: s.roi,
        ...(s.layer === null ? {} : { layer: s.layer }),
        ...(s.statistic && s.statistic !== 'MEAN_R' ? { statistic: s.statistic } : {}),
      };
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
      return `brain ${s.dataset} · ${s.roi} · ${s.layer === null ? 'best layer' : `layer ${s.layer}`}${s.statistic && s.statistic !== 'MEAN_R' ? ` · ${s.statistic}` : ''}`;
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
