import { field, fmt, fmtTokens, h, mount } from './dom.js';
import { downloadButtons, toCsv } from './download.js';
import { gql } from './gql.js';
import { LEADERBOARD, type Leaderboard, type LeaderboardRow } from './queries.js';
import { STATISTIC_UNITS } from './signal.js';
import type { ViewContext } from './trajectoryView.js';
import type { DashState } from './urlState.js';
import { createPanel, type Panel } from './view.js';

interface Column {
  readonly key: string;
  readonly label: string;
  readonly title?: string;
  /** The sort value; null sorts last either way. */
  readonly value: (r: LeaderboardRow) => number | string | null;
  readonly cell: (r: LeaderboardRow) => string | Node;
}

/** Splits "brain:desc" into a key and a direction. */
export function parseSort(sort: string): { key: string; desc: boolean } {
  const at = sort.lastIndexOf(':');
  return at < 0 ? { key: sort, desc: true } : { key: sort.slice(0, at), desc: sort.slice(at + 1) !== 'asc' };
}

/** Rows ordered by a column; nulls last in both directions, ties by model id. */
export function sortRows<T extends { modelId: string }>(rows: readonly T[], value: (r: T) => number | string | null, desc: boolean): T[] {
  return [...rows].sort((a, b) => {
    const [va, vb] = [value(a), value(b)];
    if (va === null || vb === null) return va === vb ? a.modelId.localeCompare(b.modelId) : va === null ? 1 : -1;
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return (desc ? -c : c) || a.modelId.localeCompare(b.modelId);
  });
}

/**
 * A Brain-Score-like leaderboard (Query.leaderboard: stored cells only): per model its best brain
 * score with layer and checkpoint, final task scores and phase boundaries. Click a column header
 * to sort by it (again to reverse).
 */
export function createLeaderboardView(ctx: ViewContext): { panel: Panel; update(s: DashState): void } {
  const panel = createPanel('Leaderboard', 'leaderboard-view', 'Query.leaderboard: best stored brain score per model (best layer and checkpoint), final task scores, phases. Click a header to sort.');
  const tasks = h('input', { 'data-testid': 'leaderboard-tasks', list: 'leaderboard-task-names', size: 36, title: 'Task columns, comma-separated' });
  const names = h('datalist', { id: 'leaderboard-task-names' }, ctx.catalog.tasks.map((t) => h('option', { value: t.task })));
  const downloads = h('span', {});
  panel.tools.append(field('Task columns (comma-separated)', tasks), names, downloads);
  tasks.addEventListener('change', () => ctx.commit({ leaderboardTasks: tasks.value.split(',').map((t) => t.trim()).filter(Boolean) }));
  let shown = '';
  let board: Leaderboard | null = null;
  let state: DashState | null = null;

  const render = () => {
    if (!board || !state) return;
    const b = board;
    const { key, desc } = parseSort(state.leaderboardSort);
    const hasBrain = b.rows.some((r) => r.brain !== null) || !!state.dataset;
    const columns: Column[] = [
      { key: 'rank', label: '#', title: b.rankedBy, value: (r) => r.rank, cell: (r) => (r.rank === null ? '–' : String(r.rank)) },
      { key: 'model', label: 'model', value: (r) => r.modelId, cell: (r) => r.modelId },
      { key: 'params', label: 'params', value: (r) => r.params, cell: (r) => (r.params === null ? '–' : fmtTokens(r.params)) },
      ...(hasBrain ? [
        { key: 'brain', label: 'best brain', title: `${b.rankedBy} (${STATISTIC_UNITS[state.statistic]})`, value: (r: LeaderboardRow) => r.brain?.value ?? null,
          cell: (r: LeaderboardRow) => (r.brain ? fmt(r.brain.value, 3) : h('span', { class: 'muted', title: r.brainReason ?? '' }, '–')) },
        { key: 'layer', label: 'layer', value: (r: LeaderboardRow) => r.brain?.layer ?? null, cell: (r: LeaderboardRow) => (r.brain ? String(r.brain.layer) : '–') },
        { key: 'step', label: 'at step', title: 'The checkpoint of the best score (training tokens in brackets)', value: (r: LeaderboardRow) => r.brain?.step ?? null,
          cell: (r: LeaderboardRow) => (r.brain ? `${r.brain.step}${r.brain.tokens !== null ? ` (${fmtTokens(r.brain.tokens)})` : ''}` : '–') },
        { key: 'scored', label: 'scored', title: 'Checkpoints with a stored brain score / all checkpoints', value: (r: LeaderboardRow) => r.brain?.scoredCheckpoints ?? null,
          cell: (r: LeaderboardRow) => `${r.brain?.scoredCheckpoints ?? 0} / ${r.checkpoints}` },
      ] : []),
      ...b.tasks.map((task, i): Column => ({
        key: `task:${task}`, label: task, title: `final ${b.metric}: the value at the last checkpoint that has one`, value: (r) => r.tasks[i]?.value ?? null,
        cell: (r) => {
          const t = r.tasks[i];
          return t && t.value !== null ? h('span', { title: `step ${t.step}${t.stderr !== null ? `, ± ${fmt(t.stderr, 2)}` : ''}` }, fmt(t.value, 3)) : h('span', { class: 'muted', title: t?.reason ?? '' }, '–');
        },
      })),
      { key: 'k', label: 'phases (boundary steps)', title: 'detectPhases (bootstrap 0) on the brain signal and the first task column the model has', value: (r) => r.phases?.k ?? null,
        cell: (r) => (r.phases
          ? h('span', { title: `${r.phases.labels.join(' → ')}; signals: ${r.phases.signals.join(', ')}` }, `k = ${r.phases.k}: ${r.phases.boundaries.join(', ') || 'none'}`, h('br', {}),
            h('span', { class: 'muted small' }, r.phases.labels.map((l) => l.replace(/_/g, ' ').toLowerCase()).join(' → ')))
          : h('span', { class: 'muted', title: r.phasesReason ?? '' }, '–')) },
    ];
    const col = columns.find((c) => c.key === key) ?? columns[0];
    const rows = sortRows(b.rows, col.value, desc);
    const head = columns.map((c) => {
      const active = c.key === col.key;
      const th = h('th', {
        'data-testid': `leaderboard-sort-${c.key}`, 'data-key': c.key, title: c.title ?? 'Click to sort', class: 'sortable',
        'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none',
      }, c.label, active ? (desc ? ' ▼' : ' ▲') : '');
      th.addEventListener('click', () => {
        // A first click sorts names A→Z and numbers high→low; a second reverses.
        const nextDesc = active ? !desc : c.key !== 'model' && c.key !== 'rank';
        ctx.commit({ leaderboardSort: `${c.key}:${nextDesc ? 'desc' : 'asc'}` });
      });
      return th;
    });
    mount(panel.body, h('div', { class: 'table-scroll' },
      h('table', { class: 'leaderboard', 'data-testid': 'leaderboard-table', 'data-sort': `${col.key}:${desc ? 'desc' : 'asc'}` },
        h('thead', {}, h('tr', {}, head)),
        h('tbody', {}, rows.map((r) => h('tr', { 'data-testid': 'leaderboard-row', 'data-model': r.modelId }, columns.map((c) => h('td', { 'data-key': c.key }, c.cell(r)))))))),
      h('p', { class: 'muted small' }, `Ranked by ${b.rankedBy} (${STATISTIC_UNITS[state.statistic]}); task columns: final ${b.metric}. Stored cells only: a model without brain scores has none computed yet.`));
    mount(downloads, downloadButtons('leaderboard', () => `leaderboard ${b.rankedBy}`, null, () => toCsv(
      ['rank', 'model', 'params', 'best_brain', 'layer', 'step', 'tokens', 'scored_checkpoints', 'checkpoints', ...b.tasks.map((t) => `${t}/${b.metric}`), 'k', 'boundaries'],
      rows.map((r) => [r.rank, r.modelId, r.params, r.brain?.value, r.brain?.layer, r.brain?.step, r.brain?.tokens, r.brain?.scoredCheckpoints, r.checkpoints,
        ...r.tasks.map((t) => t.value), r.phases?.k, r.phases?.boundaries.join(' ')]),
    )));
  };

  const update = (s: DashState) => {
    state = s;
    tasks.value = s.leaderboardTasks.join(',');
    const vars = { dataset: s.dataset || null, roi: s.dataset ? s.roi || 'all' : 'all', statistic: s.statistic, tasks: s.leaderboardTasks, phases: true };
    const key = JSON.stringify(vars);
    if (key === shown) return render();
    shown = key;
    board = null;
    void panel.latest(
      () => gql<{ leaderboard: Leaderboard }>(LEADERBOARD, vars),
      ({ leaderboard }) => {
        board = leaderboard;
        render();
        panel.set('ready', `${leaderboard.rows.length} models · ranked by ${leaderboard.rankedBy}`);
      },
    );
  };
  return { panel, update };
}
