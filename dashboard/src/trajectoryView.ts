import type uPlot from 'uplot';
import { field, fmtTokens, h, mount } from './dom.js';
import { downloadButtons, toCsv } from './download.js';
import { gql } from './gql.js';
import { seriesLegend, type SeriesStyle } from './legend.js';
import { phaseOverlay } from './phaseOverlay.js';
import { COMPARE, PHASES, type Catalog, type Comparison, type PhaseResult } from './queries.js';
import { compareArgs, signalInput, signalLabel, signalUnit } from './signal.js';
import { drawTrajectoryChart, phaseFill, type DrawnChart } from './trajectoryChart.js';
import { stateSignal, type DashState } from './urlState.js';
import { createPanel, type Panel } from './view.js';

/** Chart element with the uPlot instance attached, so tests can read the plotted data. */
export type ChartElement = HTMLElement & { __uplot?: uPlot };

/** What a view gets: the state to show, and how to change the parts it owns. */
export interface ViewContext {
  readonly catalog: Catalog;
  readonly styles: ReadonlyMap<string, SeriesStyle>;
  commit(patch: Partial<DashState>): void;
}

/**
 * View (a): the picked models' trajectories of one signal on a log-token axis (compareModels with
 * alignBy: TOKENS), ±stderr bands, and one model's detected phases (detectPhases, optionally with
 * a task as a second signal, as in the README's headline query) shaded behind.
 */
export function createTrajectoryView(ctx: ViewContext): { panel: Panel; update(s: DashState): void } {
  const panel = createPanel('Trajectories over training', 'trajectory-view', 'Log training tokens; shaded: ±1 stderr and the detected phases of one model (dashed: breakpoints, bars: bootstrap CI).');
  const phaseModel = h('select', { 'data-testid': 'phase-model' });
  const phaseTask = h('select', { 'data-testid': 'phase-task', title: 'A task detected together with the plotted signal (its phases are labelled by the brain and task slopes)' },
    h('option', { value: '' }, 'none'), ctx.catalog.tasks.map((t) => h('option', { value: t.task }, t.task)));
  const downloads = h('span', {});
  panel.tools.append(field('Phases of', phaseModel), field('with task', phaseTask), downloads);
  phaseModel.addEventListener('change', () => ctx.commit({ phaseModel: phaseModel.value }));
  phaseTask.addEventListener('change', () => ctx.commit({ phaseTask: phaseTask.value }));
  let drawn: DrawnChart | null = null;
  const hidden = new Set<string>();
  addEventListener('resize', () => drawn?.plot.setSize({ width: chartWidth(panel), height: drawn.plot.height }));

  let shown = '';
  const update = (state: DashState) => {
    // Only what this view shows: a change elsewhere (the leaderboard's sort) does not redraw it.
    const key = JSON.stringify([state.models, stateSignal(state), state.phaseModel, state.phaseTask]);
    if (key === shown) return;
    shown = key;
    mount(phaseModel, state.models.map((m) => h('option', { value: m }, m)));
    const model = state.phaseModel && state.models.includes(state.phaseModel) ? state.phaseModel : (state.models[0] ?? '');
    phaseModel.value = model;
    phaseTask.value = state.phaseTask;
    mount(downloads);
    drawn = null;
    const signal = stateSignal(state);
    if (!signal) return panel.set('empty', 'Pick a signal.');
    if (!state.models.length) return panel.set('empty', 'Pick one or more models to plot their trajectories.');
    const companion = state.phaseTask && !(signal.kind === 'TASK' && signal.task === state.phaseTask) ? state.phaseTask : null;
    const detect = (signals: Record<string, unknown>[]) => gql<{ detectPhases: PhaseResult }>(PHASES, { model, signals }).then((r) => r.detectPhases);
    // A task the phase model lacks (a Pythia model has no sim_arc_easy): phases on the signal alone, with a note.
    const phasesOf = async (): Promise<{ phases: PhaseResult | Error; note: string | null }> => {
      if (companion) {
        try {
          return { phases: await detect([signalInput(signal), { kind: 'TASK', task: companion }]), note: null };
        } catch (e) {
          const alone = await detect([signalInput(signal)]).catch((err: Error) => err);
          return { phases: alone, note: alone instanceof Error ? null : `Not with ${companion}: ${(e as Error).message}` };
        }
      }
      return { phases: await detect([signalInput(signal)]).catch((err: Error) => err), note: null };
    };
    void panel.latest(
      () => Promise.all([
        gql<{ compareModels: Comparison }>(COMPARE, { models: state.models, ...compareArgs(signal), alignBy: 'TOKENS' }),
        phasesOf(),
      ]),
      ([{ compareModels }, { phases, note }]) => {
        const series = compareModels.series.map((s) => ({ id: s.modelId, style: ctx.styles.get(s.modelId)!, points: s.points }));
        if (series.every((s) => s.points.length === 0)) return panel.set('empty', `No ${signalLabel(signal)} values for ${state.models.join(', ')}.`);
        const own = compareModels.series.find((s) => s.modelId === model);
        const stepToX = new Map((own?.points ?? []).filter((p) => p.step !== null).map((p) => [p.step!, p.x]));
        const overlay = phases instanceof Error ? null : phaseOverlay(phases, stepToX, true);
        const title = `${signalLabel(signal)} over training`;

        const chart: ChartElement = h('div', { class: 'chart', 'data-testid': 'trajectory-chart' });
        const phaseInfo = h('div', { class: 'phases', 'data-testid': 'phase-info' });
        const legendSlot = h('div', {});
        mount(panel.body, h('h3', { class: 'chart-title', 'data-testid': 'trajectory-title' }, title), chart, legendSlot, phaseInfo);
        const chartDrawn = drawTrajectoryChart(chart, series, {
          xLog: true, xLabel: 'training tokens (log)', yLabel: signalUnit(signal), xFormat: fmtTokens,
          width: chartWidth(panel), height: 340, phases: overlay, hidden,
        });
        drawn = chartDrawn;
        chart.__uplot = chartDrawn.plot;
        chart.dataset.points = String([...chartDrawn.plotted.values()].reduce((a, b) => a + b, 0));
        mount(legendSlot, seriesLegend('trajectory-legend', series.map((s) => {
          const n = chartDrawn.plotted.get(s.id)!;
          const out = chartDrawn.excluded.get(s.id)!;
          return { id: s.id, style: s.style, detail: `${n} points${out ? ` (+${out} at 0 tokens, not on a log axis)` : ''}` };
        }), hidden, (id, shown) => chartDrawn.setVisible(id, shown)));
        mount(downloads, downloadButtons('trajectory', () => title, () => chartDrawn.picture(title), () => toCsv(
          ['model', 'step', 'tokens', 'value', 'stderr'],
          compareModels.series.flatMap((s) => s.points.map((p) => [s.modelId, p.step, p.x, p.value, p.stderr])),
        )));
        mount(phaseInfo, phases instanceof Error ? h('p', { class: 'message note', 'data-testid': 'phase-error' }, `Phases of ${model}: ${phases.message}`) : phaseList(model, phases),
          note ? h('p', { class: 'muted small', 'data-testid': 'phase-note' }, note) : null);
        panel.set('ready', `${signalLabel(signal)} · ${series.length} model${series.length > 1 ? 's' : ''}`);
      },
    );
  };
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
