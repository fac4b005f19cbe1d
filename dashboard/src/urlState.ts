import type { Catalog } from './queries.js';
import { BRAIN_STATISTICS, type BrainStatistic, type SignalChoice } from './signal.js';

export type AlignBy = 'STEP' | 'TOKENS' | 'FRACTION';
export type SignalKind = SignalChoice['kind'];

/**
 * Everything a view shows, kept in the page's query string so a link reproduces the view:
 * `?m=sim-tinygpt&k=BRAIN&d=sim-narratives&roi=STS&layer=best&align=FRACTION&xlog=1&…`.
 */
export interface DashState {
  readonly models: readonly string[];
  readonly kind: SignalKind;
  readonly task: string;
  readonly metric: string;
  readonly dataset: string;
  readonly roi: string;
  /** null: the best layer at each checkpoint. */
  readonly layer: number | null;
  readonly statistic: BrainStatistic;
  readonly internalMetric: string;
  readonly internalLayer: number;
  readonly align: AlignBy;
  /** Log x axis in the comparison (TOKENS and STEP always are). */
  readonly xlog: boolean;
  /** The model whose phases the trajectory chart shades (default the first picked). */
  readonly phaseModel: string | null;
  /** A task detected together with the plotted signal (the README's headline: brain STS + sim_arc_easy); '' = none. */
  readonly phaseTask: string;
  readonly heatmapModel: string | null;
  readonly leaderboardTasks: readonly string[];
  /** Leaderboard sort: a column key and a direction, e.g. "brain:desc". */
  readonly leaderboardSort: string;
}

const KINDS: readonly SignalKind[] = ['TASK', 'BRAIN', 'INTERNAL'];
const ALIGNS: readonly AlignBy[] = ['TOKENS', 'STEP', 'FRACTION'];

const list = (v: string | null): string[] | null => (v === null ? null : v.split(',').map((s) => s.trim()).filter(Boolean));
const int = (v: string | null): number | null => (v !== null && /^\d+$/.test(v) ? Number(v) : null);

/** The state a query string asks for, over `defaults` (unknown values fall back to the default). */
export function readState(search: string, defaults: DashState): DashState {
  const q = new URLSearchParams(search);
  const pick = <T extends string>(v: string | null, allowed: readonly T[], fallback: T): T => (v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : fallback);
  const layer = q.get('layer');
  return {
    models: list(q.get('m')) ?? defaults.models,
    kind: pick(q.get('k'), KINDS, defaults.kind),
    task: q.get('t') ?? defaults.task,
    metric: q.get('mt') ?? defaults.metric,
    dataset: q.get('d') ?? defaults.dataset,
    roi: q.get('roi') ?? defaults.roi,
    layer: layer === null ? defaults.layer : layer === 'best' ? null : (int(layer) ?? defaults.layer),
    statistic: pick(q.get('stat'), BRAIN_STATISTICS, defaults.statistic),
    internalMetric: q.get('im') ?? defaults.internalMetric,
    internalLayer: int(q.get('il')) ?? defaults.internalLayer,
    align: pick(q.get('align'), ALIGNS, defaults.align),
    xlog: q.has('xlog') ? q.get('xlog') !== '0' : defaults.xlog,
    phaseModel: q.get('pm') ?? defaults.phaseModel,
    phaseTask: q.get('pt') ?? defaults.phaseTask,
    heatmapModel: q.get('hm') ?? defaults.heatmapModel,
    leaderboardTasks: list(q.get('lt')) ?? defaults.leaderboardTasks,
    leaderboardSort: q.get('ls') ?? defaults.leaderboardSort,
  };
}

/** The query string of a state (every field, so the link does not depend on this build's defaults). */
export function writeState(s: DashState): string {
  const q = new URLSearchParams();
  q.set('m', s.models.join(','));
  q.set('k', s.kind);
  if (s.kind === 'TASK') {
    q.set('t', s.task);
    q.set('mt', s.metric);
  }
  if (s.dataset) {
    q.set('d', s.dataset);
    q.set('roi', s.roi);
  }
  if (s.kind === 'BRAIN') {
    q.set('layer', s.layer === null ? 'best' : String(s.layer));
    q.set('stat', s.statistic);
  }
  if (s.kind === 'INTERNAL') {
    q.set('im', s.internalMetric);
    q.set('il', String(s.internalLayer));
  }
  q.set('align', s.align);
  q.set('xlog', s.xlog ? '1' : '0');
  if (s.phaseModel) q.set('pm', s.phaseModel);
  q.set('pt', s.phaseTask);
  if (s.heatmapModel) q.set('hm', s.heatmapModel);
  q.set('lt', s.leaderboardTasks.join(','));
  q.set('ls', s.leaderboardSort);
  return `?${q.toString().replace(/%2C/g, ',')}`;
}

/** The signal a state plots, or null when it lacks what the kind needs. */
export function stateSignal(s: DashState): SignalChoice | null {
  switch (s.kind) {
    case 'TASK':
      return s.task && s.metric ? { kind: 'TASK', task: s.task, metric: s.metric } : null;
    case 'BRAIN':
      return s.dataset ? { kind: 'BRAIN', dataset: s.dataset, roi: s.roi || 'all', layer: s.layer, statistic: s.statistic } : null;
    case 'INTERNAL':
      return s.dataset ? { kind: 'INTERNAL', dataset: s.dataset, metric: s.internalMetric, layer: s.internalLayer } : null;
  }
}

/**
 * What a link without a query string shows: the demo's headline — sim-tinygpt's brain score in STS
 * with its phases detected together with sim_arc_easy (README) — and the leaderboard with a Pythia
 * task beside it. On another warehouse: its first model and a task.
 */
export function defaultState(catalog: Catalog): DashState {
  const ids = catalog.models.nodes.map((m) => m.id);
  const tasks = catalog.tasks.map((t) => t.task);
  const dataset = catalog.datasets.find((d) => d.id === 'sim-narratives') ?? catalog.datasets[0];
  const headline = ids.includes('sim-tinygpt') && dataset !== undefined;
  const task = ['lambada_openai', 'sim_arc_easy'].find((t) => tasks.includes(t)) ?? tasks[0] ?? '';
  return {
    models: headline ? ['sim-tinygpt'] : ids.slice(0, 1),
    kind: headline ? 'BRAIN' : 'TASK',
    task,
    metric: 'acc',
    dataset: dataset?.id ?? '',
    roi: dataset?.rois.some((r) => r.name === 'STS') ? 'STS' : 'all',
    layer: null,
    statistic: 'MEAN_R',
    internalMetric: 'twoNN',
    internalLayer: 0,
    align: 'TOKENS',
    xlog: true,
    phaseModel: null,
    phaseTask: headline && tasks.includes('sim_arc_easy') ? 'sim_arc_easy' : '',
    heatmapModel: null,
    leaderboardTasks: ['sim_arc_easy', 'lambada_openai', 'piqa'].filter((t) => tasks.includes(t)),
    leaderboardSort: 'rank:asc',
  };
}

