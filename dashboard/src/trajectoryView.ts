import type uPlot from 'uplot';
import type { Selection } from './controls.js';
import { field, fmtTokens, h, mount } from './dom.js';
import { gql } from './gql.js';
import { phaseOverlay } from './phaseOverlay.js';
import { COMPARE, PHASES, type Comparison, type PhaseResult } from './queries.js';
import { compareArgs, signalInput, signalLabel } from './signal.js';
import { drawTrajectoryChart, phaseFill } from './trajectoryChart.js';
import { createPanel, type Panel } from './view.js';

/** Chart element with the uPlot instance attached, so tests can read the plotted data. */
export type ChartElement = HTMLElement & { __uplot?: uPlot };

/**
 * View (a): the picked models' trajectories of one signal on a log-token axis (compareModels with
 * alignBy: TOKENS), ±stderr bands, and one model's detected phases (detectPhases) shaded behind.
 */
export function createTrajectoryView(colors: ReadonlyMap<string, string>): { panel: Panel; update(sel: Selection): void } {
  const panel = createPanel('Trajectories over training', 'trajectory-view', 'Log training tokens; shaded: ±1 stderr and the detected phases of one model (dashed: breakpoints, bars: bootstrap CI).');
  const phaseModel = h('select', { 'data-testid': 'phase-model' });
  panel.tools.append(field('Phases of', phaseModel));
  let plot: uPlot | null = null;
  let current: Selection = { models: [], signal: null };
  addEventListener('resize', () => plot?.setSize({ width: chartWidth(panel), height: plot.height }));

  const update = (sel: Selection) => {
    current = sel;
    const previous = phaseModel.value;
    mount(phaseModel, sel.models.map((m) => h('option', { value: m }, m)));
    if (sel.models.includes(previous)) phaseModel.value = previous;
    plot = null;
    const signal = sel.signal;
    if (!signal) return panel.set('empty', 'Pick a signal.');
    if (!sel.models.length) return panel.set('empty', 'Pick one or more models to plot their trajectories.');
    const model = phaseModel.value;
    void panel.latest(
      () => Promise.all([
        gql<{ compareModels: Comparison }>(COMPARE, { models: sel.models, ...compareArgs(signal), alignBy: 'TOKENS' }),
        gql<{ detectPhases: PhaseResult }>(PHASES, { model, signals: [signalInput(signal)] }).then((r) => r.detectPhases, (e: Error) => e),
      ]),
      ([{ compareModels }, phases]) => {
        const series = compareModels.series.map((s) => ({ id: s.modelId, color: colors.get(s.modelId) ?? '#333', points: s.points }));
        if (series.every((s) => s.points.length === 0)) return panel.set('empty', `No ${signalLabel(signal)} values for ${sel.models.join(', ')}.`);
        const own = compareModels.series.find((s) => s.modelId === model);
        const stepToX = new Map((own?.points ?? []).filter((p) => p.step !== null).map((p) => [p.step!, p.x]));
        const overlay = phases instanceof Error ? null : phaseOverlay(phases, stepToX, true);

        const chart: ChartElement = h('div', { class: 'chart', 'data-testid': 'trajectory-chart' });
        const legend = h('div', { class: 'legend', 'data-testid': 'trajectory-legend' });
        const phaseInfo = h('div', { class: 'phases', 'data-testid': 'phase-info' });
        mount(panel.body, chart, legend, phaseInfo);
        const drawn = drawTrajectoryChart(chart, series, {
          xLog: true, xLabel: 'training tokens', yLabel: signalLabel(signal), xFormat: fmtTokens,
          width: chartWidth(panel), height: 340, phases: overlay,
        });
        plot = drawn.plot;
        chart.__uplot = drawn.plot;
        chart.dataset.points = String([...drawn.plotted.values()].reduce((a, b) => a + b, 0));
        mount(legend, series.map((s) => {
          const n = drawn.plotted.get(s.id)!;
          const out = drawn.excluded.get(s.id)!;
          return h('span', { class: 'legend-item', 'data-testid': 'series-legend', 'data-model': s.id, 'data-points': n, 'data-excluded': out },
            h('i', { style: `background:${s.color}` }), `${s.id} `, h('span', { class: 'muted' }, `${n} points${out ? ` (+${out} at 0 tokens, not on a log axis)` : ''}`));
        }));
        mount(phaseInfo, phases instanceof Error ? h('p', { class: 'message note', 'data-testid': 'phase-error' }, `Phases of ${model}: ${phases.message}`) : phaseList(model, phases));
        panel.set('ready', `${signalLabel(signal)} · ${series.length} model${series.length > 1 ? 's' : ''}`);
      },
    );
  };
  phaseModel.addEventListener('change', () => update(current));
  return { panel, update };
}

function phaseList(model: string, phases: PhaseResult): HTMLElement {
  return h('div', {},
    h('div', { class: 'phase-bands', 'data-testid': 'phase-bands', 'data-k': phases.k },
      h('strong', {}, `Phases of ${model} (k = ${phases.k}, ${phases.kSelectedBy}): `),
      phases.segments.map((s, i) => h('span', { class: 'phase-chip', 'data-testid': 'phase-band', 'data-label': s.label, style: `background:${phaseFill(s.label, i)}` },
        `${s.label.replace(/_/g, ' ')} `, h('span', { class: 'muted' }, `steps ${s.startStep}–${s.endStep}`)))),
    phases.breakpoints.length
      ? h('div', { class: 'muted small' }, 'Breakpoints: ', phases.breakpoints.map((b, i) => h('span', { 'data-testid': 'breakpoint', 'data-step': b.step },
        `${i ? '; ' : ''}step ${b.step}${b.ci ? ` (${Math.round(b.ci.level * 100)}% CI ${b.ci.lowStep}–${b.ci.highStep})` : ''}`)))
      : null,
    phases.excluded.length ? h('div', { class: 'muted small' }, `Left out: ${phases.excluded.map((e) => `step ${e.step} (${e.reason})`).join('; ')}`) : null);
}

export function chartWidth(panel: Panel): number {
  return Math.max(360, panel.body.clientWidth - 4);
}
