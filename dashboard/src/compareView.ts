import type uPlot from 'uplot';
import type { Selection } from './controls.js';
import { field, fmt, fmtTokens, h, mount } from './dom.js';
import { gql } from './gql.js';
import { COMPARE, COMPARE_PHASES, type AlignBy, type Comparison, type Extremum, type PhaseComparison } from './queries.js';
import { compareArgs, signalInput, signalLabel } from './signal.js';
import { drawTrajectoryChart } from './trajectoryChart.js';
import { chartWidth, type ChartElement } from './trajectoryView.js';
import { createPanel, table, type Panel } from './view.js';

const AXES: Record<AlignBy, { label: string; log: boolean; format: (x: number) => string }> = {
  TOKENS: { label: 'training tokens', log: true, format: fmtTokens },
  STEP: { label: 'step', log: true, format: (x) => fmtTokens(x) },
  FRACTION: { label: 'fraction of training', log: false, format: (x) => fmt(x, 3) },
};

/**
 * View (c): the picked models on a common axis (compareModels), their pairwise trajectory
 * correlations, best and final values, and phase boundaries on the same axis (comparePhases).
 */
export function createCompareView(colors: ReadonlyMap<string, string>): { panel: Panel; update(sel: Selection): void } {
  const panel = createPanel('Cross-model comparison', 'compare-view', 'compareModels on a common axis; comparePhases boundaries (k by BIC, no bootstrap).');
  const alignBy = h('select', { 'data-testid': 'align-by' }, (Object.keys(AXES) as AlignBy[]).map((a) => h('option', { value: a }, a)));
  panel.tools.append(field('Align by', alignBy));
  let plot: uPlot | null = null;
  let current: Selection = { models: [], signal: null };
  addEventListener('resize', () => plot?.setSize({ width: chartWidth(panel), height: plot.height }));

  const update = (sel: Selection) => {
    current = sel;
    plot = null;
    const signal = sel.signal;
    if (!signal) return panel.set('empty', 'Pick a signal.');
    if (!sel.models.length) return panel.set('empty', 'Pick models to compare (two or more for correlations).');
    const axis = alignBy.value as AlignBy;
    void panel.latest(
      () => Promise.all([
        gql<{ compareModels: Comparison }>(COMPARE, { models: sel.models, ...compareArgs(signal), alignBy: axis }),
        // comparePhases compares 2–16 models.
        sel.models.length < 2 ? null : gql<{ comparePhases: PhaseComparison }>(COMPARE_PHASES, { models: sel.models, signals: [signalInput(signal)], alignBy: axis }).then((r) => r.comparePhases, (e: Error) => e),
      ]),
      ([{ compareModels }, phases]) => {
        const spec = AXES[axis];
        const chart: ChartElement = h('div', { class: 'chart', 'data-testid': 'compare-chart' });
        mount(panel.body, chart, h('div', { class: 'tables' },
          h('div', {}, h('h3', {}, 'Best and final'), extremesTable(compareModels, spec.format)),
          h('div', {}, h('h3', {}, 'Trajectory correlations (Pearson r)'), correlationTable(compareModels)),
          h('div', {}, h('h3', {}, 'Phase boundaries'), phases === null
            ? h('p', { class: 'muted small', 'data-testid': 'phase-boundaries-table' }, 'Pick two or more models.')
            : phases instanceof Error
              ? h('p', { class: 'message note', 'data-testid': 'compare-phases-error' }, phases.message)
              : boundariesTable(phases, spec.format))));
        const drawn = drawTrajectoryChart(chart, compareModels.series.map((s) => ({ id: s.modelId, color: colors.get(s.modelId) ?? '#333', points: s.points })), {
          xLog: spec.log, xLabel: spec.label, yLabel: signalLabel(signal), xFormat: spec.format, width: chartWidth(panel), height: 300,
        });
        plot = drawn.plot;
        chart.__uplot = drawn.plot;
        chart.dataset.points = String([...drawn.plotted.values()].reduce((a, b) => a + b, 0));
        panel.set('ready', `${signalLabel(signal)} · aligned by ${axis}${spec.log ? ' (log; 0 left out)' : ''}`);
      },
    );
  };
  alignBy.addEventListener('change', () => update(current));
  return { panel, update };
}

function extremesTable(c: Comparison, format: (x: number) => string): HTMLElement {
  const at = (e: Extremum | null) => (e ? `${fmt(e.value)} at ${format(e.x)}${e.step !== null ? ` (step ${e.step})` : ''}` : '–');
  return table('extremes-table', ['model', 'points', 'best', 'final'], c.series.map((s) => [s.modelId, String(s.points.length), at(s.best), at(s.final)]));
}

function correlationTable(c: Comparison): HTMLElement {
  if (!c.correlations.length) return h('p', { class: 'muted small', 'data-testid': 'correlation-table' }, 'Pick two or more models.');
  return table('correlation-table', ['model A', 'model B', 'r', 'n'], c.correlations.map((r) => [r.modelA, r.modelB, r.r === null ? `– (${r.reason ?? 'undefined'})` : fmt(r.r, 4), String(r.n)]));
}

function boundariesTable(p: PhaseComparison, format: (x: number) => string): HTMLElement {
  const rows = p.models.map((m) => [m.modelId, String(m.phases.k), m.boundaries.map((b) => (b === null ? '–' : format(b))).join(', ') || 'none']);
  const list = (xs: readonly (number | null)[] | null, f: (x: number) => string) => (xs ? xs.map((x) => (x === null ? '–' : f(x))).join(', ') : '–');
  const diffs = p.boundaryDifferences.map((d) => [`${d.modelB} − ${d.modelA}`, d.differences ? list(d.differences, (x) => (x < 0 ? `−${format(-x)}` : format(x))) : (d.reason ?? '–'), list(d.log10Ratios, (x) => fmt(x, 3))]);
  return h('div', {},
    table('phase-boundaries-table', ['model', 'k', 'boundaries'], rows),
    diffs.length ? table('boundary-differences-table', ['pair', 'difference per boundary', 'log10 ratio'], diffs) : null);
}
