import { field, fmt, fmtTokens, h, mount } from './dom.js';
import { correlationGrid, drawCorrelationMatrix } from './correlationMatrix.js';
import { composePicture, downloadButtons, toCsv } from './download.js';
import { gql } from './gql.js';
import { seriesLegend } from './legend.js';
import { COMPARE, COMPARE_PHASES, type AlignBy, type Comparison, type Extremum, type PhaseComparison } from './queries.js';
import { compareArgs, signalInput, signalLabel, signalUnit } from './signal.js';
import { drawTrajectoryChart, type DrawnChart } from './trajectoryChart.js';
import { chartWidth, type ChartElement, type ViewContext } from './trajectoryView.js';
import { stateSignal, type DashState } from './urlState.js';
import { createPanel, table, type Panel } from './view.js';

const AXES: Record<AlignBy, { label: string; format: (x: number) => string }> = {
  TOKENS: { label: 'training tokens', format: fmtTokens },
  STEP: { label: 'step', format: (x) => fmtTokens(x) },
  // On a log axis the first 1% of training gets as much room as the last 90%.
  FRACTION: { label: 'fraction of training', format: (x) => (x > 0 && x < 1e-3 ? x.toExponential(0) : fmt(x, 3)) },
};

/**
 * View (c): the picked models on a common axis (compareModels), their pairwise trajectory
 * correlations, best and final values, and phase boundaries on the same axis (comparePhases).
 */
export function createCompareView(ctx: ViewContext): { panel: Panel; update(s: DashState): void } {
  const panel = createPanel('Cross-model comparison', 'compare-view', 'compareModels on a common axis; comparePhases boundaries (k by BIC, no bootstrap).');
  const alignBy = h('select', { 'data-testid': 'align-by' }, (Object.keys(AXES) as AlignBy[]).map((a) => h('option', { value: a }, a)));
  const xlog = h('input', { type: 'checkbox', 'data-testid': 'x-log' });
  const downloads = h('span', {});
  panel.tools.append(field('Align by', alignBy), h('label', { class: 'check' }, xlog, ' log x axis'), downloads);
  alignBy.addEventListener('change', () => ctx.commit({ align: alignBy.value as AlignBy }));
  xlog.addEventListener('change', () => ctx.commit({ xlog: xlog.checked }));
  let drawn: DrawnChart | null = null;
  const hidden = new Set<string>();
  addEventListener('resize', () => drawn?.plot.setSize({ width: chartWidth(panel), height: drawn.plot.height }));

  let shown = '';
  const update = (state: DashState) => {
    const key = JSON.stringify([state.models, stateSignal(state), state.align, state.xlog]);
    if (key === shown) return;
    shown = key;
    drawn = null;
    alignBy.value = state.align;
    xlog.checked = state.xlog;
    mount(downloads);
    const signal = stateSignal(state);
    if (!signal) return panel.set('empty', 'Pick a signal.');
    if (!state.models.length) return panel.set('empty', 'Pick models to compare (two or more for correlations).');
    const axis = state.align;
    const log = state.xlog;
    const models = state.models;
    void panel.latest(
      () => Promise.all([
        gql<{ compareModels: Comparison }>(COMPARE, { models, ...compareArgs(signal), alignBy: axis }),
        // comparePhases compares 2–16 models.
        models.length < 2 ? null : gql<{ comparePhases: PhaseComparison }>(COMPARE_PHASES, { models, signals: [signalInput(signal)], alignBy: axis }).then((r) => r.comparePhases, (e: Error) => e),
      ]),
      ([{ compareModels }, phases]) => {
        const spec = AXES[axis];
        const title = `${signalLabel(signal)} by ${spec.label}`;
        const chart: ChartElement = h('div', { class: 'chart', 'data-testid': 'compare-chart' });
        const legendSlot = h('div', {});
        const matrix = correlationPanel(compareModels, signalLabel(signal));
        mount(panel.body, h('h3', { class: 'chart-title' }, title), chart, legendSlot, h('div', { class: 'tables' },
          h('div', {}, h('h3', {}, 'Best and final'), extremesTable(compareModels, spec.format)),
          h('div', {}, h('h3', {}, 'Trajectory correlations (Pearson r)'), matrix)),
        h('div', {}, h('h3', {}, 'Phase boundaries'), phases === null
            ? h('p', { class: 'muted small', 'data-testid': 'phase-boundaries-table' }, 'Pick two or more models.')
            : phases instanceof Error
              ? h('p', { class: 'message note', 'data-testid': 'compare-phases-error' }, phases.message)
              : boundariesTable(phases, spec.format)));
        const series = compareModels.series.map((s) => ({ id: s.modelId, style: ctx.styles.get(s.modelId)!, points: s.points }));
        const chartDrawn = drawTrajectoryChart(chart, series, {
          xLog: log, xLabel: `${spec.label}${log ? ' (log)' : ''}`, yLabel: signalUnit(signal), xFormat: spec.format, width: chartWidth(panel), height: 300, hidden,
        });
        drawn = chartDrawn;
        chart.__uplot = chartDrawn.plot;
        chart.dataset.points = String([...chartDrawn.plotted.values()].reduce((a, b) => a + b, 0));
        mount(legendSlot, seriesLegend('compare-legend', series.map((s) => {
          const out = chartDrawn.excluded.get(s.id)!;
          return { id: s.id, style: s.style, detail: `${chartDrawn.plotted.get(s.id)} points${out ? ` (+${out} at 0, not on a log axis)` : ''}` };
        }), hidden, (id, shown) => chartDrawn.setVisible(id, shown)));
        mount(downloads, downloadButtons('compare', () => title, () => chartDrawn.picture(title), () => toCsv(
          ['model', 'step', axis.toLowerCase(), 'value', 'stderr'],
          compareModels.series.flatMap((s) => s.points.map((p) => [s.modelId, p.step, p.x, p.value, p.stderr])),
        )));
        panel.set('ready', `${signalLabel(signal)} · aligned by ${axis}${log ? ' (log; 0 left out)' : ''}`);
      },
    );
  };
  return { panel, update };
}

/** The correlations as a matrix (two or more models), with its own PNG and CSV. */
function correlationPanel(c: Comparison, label: string): HTMLElement {
  const models = c.series.map((s) => s.modelId);
  if (models.length < 2) return h('p', { class: 'muted small', 'data-testid': 'correlation-matrix' }, 'Pick two or more models.');
  const canvas = drawCorrelationMatrix(models, c.correlations, 560);
  const title = `${label}: trajectory correlations (Pearson r, aligned by ${c.alignBy})`;
  const grid = correlationGrid(models, c.correlations);
  return h('div', { 'data-testid': 'correlation-matrix', 'data-models': models.join(','), 'data-pairs': c.correlations.length },
    canvas,
    h('div', { class: 'muted small' }, downloadButtons('correlation', () => title, () => composePicture(title, canvas, []), () => toCsv(
      ['model', ...models], grid.map((row, i) => [models[i], ...row]),
    )), ` ${pairsNote(c)}`));
}

function extremesTable(c: Comparison, format: (x: number) => string): HTMLElement {
  const at = (e: Extremum | null) => (e ? `${fmt(e.value)} at ${format(e.x)}${e.step !== null ? ` (step ${e.step})` : ''}` : '–');
  return table('extremes-table', ['model', 'points', 'best', 'final'], c.series.map((s) => [s.modelId, String(s.points.length), at(s.best), at(s.final)]));
}

/** How many points each r rests on, and why any is undefined (the matrix shows only r). */
function pairsNote(c: Comparison): string {
  const ns = [...new Set(c.correlations.map((r) => r.n))];
  const undefinedPairs = c.correlations.filter((r) => r.r === null).map((r) => `${r.modelA} × ${r.modelB}: ${r.reason ?? 'undefined'}`);
  return [ns.length === 1 ? `n = ${ns[0]} points per pair.` : `n = ${Math.min(...ns)}–${Math.max(...ns)} points per pair.`, ...undefinedPairs].join(' ');
}

function boundariesTable(p: PhaseComparison, format: (x: number) => string): HTMLElement {
  const rows = p.models.map((m) => [m.modelId, String(m.phases.k), m.boundaries.map((b) => (b === null ? '–' : format(b))).join(', ') || 'none']);
  const list = (xs: readonly (number | null)[] | null, f: (x: number) => string) => (xs ? xs.map((x) => (x === null ? '–' : f(x))).join(', ') : '–');
  const diffs = p.boundaryDifferences.map((d) => [`${d.modelB} − ${d.modelA}`, d.differences ? list(d.differences, (x) => (x < 0 ? `−${format(-x)}` : format(x))) : (d.reason ?? '–'), list(d.log10Ratios, (x) => fmt(x, 3))]);
  // With many models the pairwise differences are long: folded, side by side with the boundaries.
  return h('div', { class: 'tables' },
    table('phase-boundaries-table', ['model', 'k', 'boundaries'], rows),
    diffs.length ? h('details', { open: diffs.length <= 3 }, h('summary', {}, `Boundary differences (${diffs.length} pair${diffs.length > 1 ? 's' : ''})`),
      table('boundary-differences-table', ['pair', 'difference per boundary', 'log10 ratio'], diffs)) : null);
}
