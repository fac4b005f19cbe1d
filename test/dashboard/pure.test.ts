import { describe, expect, it } from 'vitest';
import { heatmapGrid } from '../../dashboard/src/heatmap.js';
import { phaseOverlay } from '../../dashboard/src/phaseOverlay.js';
import type { PhaseResult } from '../../dashboard/src/queries.js';
import { compareArgs, groupMembers, signalInput, signalUnit } from '../../dashboard/src/signal.js';
import { correlationGrid } from '../../dashboard/src/correlationMatrix.js';
import { demoProgressText } from '../../dashboard/src/demoProgress.js';
import { fileName, toCsv } from '../../dashboard/src/download.js';
import { parseSort, sortRows } from '../../dashboard/src/leaderboardView.js';
import { PALETTE, seriesStyle } from '../../dashboard/src/legend.js';
import { readState, stateSignal, writeState, type DashState } from '../../dashboard/src/urlState.js';

describe('dashboard helpers (no browser)', () => {
  it('expands task-group LIKE patterns with their escapes, as the server does', () => {
    const tasks = ['hendrycksTest-anatomy', 'mmlu_anatomy', 'mmluXanatomy', 'crows_pairs_english', 'crows_pairs_english_age', 'piqa'];
    expect(groupMembers(['hendrycksTest-%', 'mmlu\\_%'], tasks)).toEqual(['hendrycksTest-anatomy', 'mmlu_anatomy']);
    expect(groupMembers(['crows\\_pairs\\_english\\_%'], tasks)).toEqual(['crows_pairs_english_age']);
  });

  it('maps a choice to SignalInput and compareModels arguments', () => {
    expect(signalInput({ kind: 'BRAIN', dataset: 'd', roi: 'all', layer: null })).toEqual({ kind: 'BRAIN', dataset: 'd', roi: 'all' });
    expect(compareArgs({ kind: 'TASK', task: 'piqa', metric: 'acc_norm' })).toEqual({ task: 'piqa', metric: 'acc_norm', signal: null });
    expect(compareArgs({ kind: 'INTERNAL', dataset: 'd', metric: 'twoNN', layer: 3 }).signal).toEqual({ kind: 'INTERNAL', dataset: 'd', metric: 'twoNN', layer: 3 });
  });

  it('places phases on the chart axis through their steps: bands meet at each breakpoint', () => {
    const result: PhaseResult = {
      modelId: 'm', axis: 'LOG_TOKENS', k: 1, kSelectedBy: 'BIC', excluded: [{ step: 0, reason: 'tokens 0' }],
      segments: [
        { index: 0, label: 'STAGNATION', startStep: 1, endStep: 4, startX: 0, endX: 0, nPoints: 3 },
        { index: 1, label: 'RAPID_GAIN', startStep: 8, endStep: 16, startX: 0, endX: 0, nPoints: 2 },
      ],
      breakpoints: [{ step: 4, x: 0, ci: { lowStep: 2, highStep: 8, lowX: 0, highX: 0, level: 0.9 } }],
    };
    const stepToX = new Map([[0, 0], [1, 10], [2, 20], [4, 40], [8, 80], [16, 160]]);
    expect(phaseOverlay(result, stepToX, true)).toEqual({
      bands: [{ label: 'STAGNATION', from: 10, to: 40 }, { label: 'RAPID_GAIN', from: 40, to: 160 }],
      breakpoints: [{ x: 40, low: 20, high: 80 }],
    });
  });

  it('builds the layer × checkpoint grid from layer profiles, skipping checkpoints without scores', () => {
    const grid = heatmapGrid([
      { step: 0, tokens: 0, layerProfile: [] },
      { step: 10, tokens: 10, layerProfile: [{ layer: 1, value: 0.2, nSubjects: 1 }] },
      { step: 20, tokens: 20, layerProfile: [{ layer: 0, value: null, nSubjects: 1 }, { layer: 1, value: 0.5, nSubjects: 1 }] },
    ]);
    expect(grid).toEqual({ steps: [10, 20], layers: [0, 1], values: [[null, null], [0.2, 0.5]], cells: 2 });
  });

  it('styles 12 series apart: 12 distinct colours, the last five also dashed', () => {
    const styles = Array.from({ length: 12 }, (_, i) => seriesStyle(i));
    expect(new Set(styles.map((s) => s.color)).size).toBe(12);
    expect(styles.filter((s) => s.dash.length > 0)).toHaveLength(5);
    // Every pair is at least ΔE 25 apart in CIELAB (CIE76; sRGB D65).
    const lab = PALETTE.map(hexToLab);
    for (let a = 0; a < lab.length; a++) for (let b = a + 1; b < lab.length; b++) expect(Math.hypot(...lab[a].map((v, k) => v - lab[b][k]))).toBeGreaterThanOrEqual(25);
  });

  it('labels the y axis with the statistic and its unit', () => {
    expect(signalUnit({ kind: 'BRAIN', dataset: 'd', roi: 'STS', layer: null })).toBe('mean voxel r');
    expect(signalUnit({ kind: 'BRAIN', dataset: 'd', roi: 'STS', layer: 2, statistic: 'CEILED_MEAN_R' })).toBe('noise-ceiled r (fraction)');
    expect(signalUnit({ kind: 'TASK', task: 'piqa', metric: 'acc' })).toBe('accuracy');
    expect(signalUnit({ kind: 'INTERNAL', dataset: 'd', metric: 'twoNN', layer: 1 })).toBe('intrinsic dimension (TwoNN)');
    expect(signalInput({ kind: 'BRAIN', dataset: 'd', roi: 'STS', layer: 2, statistic: 'TOP_MEAN_R' })).toEqual({ kind: 'BRAIN', dataset: 'd', roi: 'STS', layer: 2, statistic: 'TOP_MEAN_R' });
  });

  it('round-trips the view through the query string', () => {
    const state: DashState = {
      models: ['sim-tinygpt', 'pythia-160m'], kind: 'BRAIN', task: 'piqa', metric: 'acc', dataset: 'sim-narratives', roi: 'STS', layer: 3,
      statistic: 'MEDIAN_R', internalMetric: 'twoNN', internalLayer: 0, align: 'FRACTION', xlog: false, phaseModel: 'pythia-160m', phaseTask: 'sim_arc_easy',
      heatmapModel: 'sim-tinygpt', leaderboardTasks: ['sim_arc_easy', 'lambada_openai'], leaderboardSort: 'task:lambada_openai:asc',
    };
    const other: DashState = { ...state, models: [], kind: 'TASK', roi: 'all', layer: null, align: 'TOKENS', xlog: true, leaderboardTasks: [], leaderboardSort: 'rank:asc' };
    const search = writeState(state);
    expect(search).toContain('m=sim-tinygpt,pythia-160m');
    // task and metric are only written for a TASK signal; the rest comes back exactly.
    expect(readState(search, other)).toEqual({ ...state, task: other.task, metric: other.metric });
    expect(stateSignal(readState(search, other))).toEqual({ kind: 'BRAIN', dataset: 'sim-narratives', roi: 'STS', layer: 3, statistic: 'MEDIAN_R' });
    expect(readState('?layer=best&align=SIDEWAYS&xlog=0', state)).toMatchObject({ layer: null, align: 'FRACTION', xlog: false });
    expect(parseSort('task:lambada_openai:asc')).toEqual({ key: 'task:lambada_openai', desc: false });
  });

  it('sorts leaderboard rows with missing values last in both directions', () => {
    const rows = [{ modelId: 'a', v: 1 }, { modelId: 'b', v: null }, { modelId: 'c', v: 3 }];
    expect(sortRows(rows, (r) => r.v, true).map((r) => r.modelId)).toEqual(['c', 'a', 'b']);
    expect(sortRows(rows, (r) => r.v, false).map((r) => r.modelId)).toEqual(['a', 'c', 'b']);
  });

  it('writes CSV as RFC 4180 says and builds the correlation matrix symmetric', () => {
    expect(toCsv(['a', 'b'], [['x,y', null], ['say "hi"', 1.5]])).toBe('a,b\r\n"x,y",\r\n"say ""hi""",1.5\r\n');
    expect(fileName('brain sim-narratives · STS / best layer', 'png')).toBe('cortexql-brain-sim-narratives-sts-best-layer.png');
    expect(correlationGrid(['a', 'b', 'c'], [{ modelA: 'a', modelB: 'b', r: 0.5, n: 9, reason: null }, { modelA: 'a', modelB: 'c', r: null, n: 1, reason: 'too few' }, { modelA: 'b', modelB: 'c', r: -0.2, n: 9, reason: null }]))
      .toEqual([[1, 0.5, null], [0.5, 1, -0.2], [null, -0.2, 1]]);
  });

  it('says how far the demo build is, and nothing once it is ready', () => {
    expect(demoProgressText({ state: 'building', stage: 'sim checkpoints', done: 5, total: 16 })).toMatch(/is building: sim checkpoints 5\/16\./);
    expect(demoProgressText({ state: 'ready' })).toBeNull();
    expect(demoProgressText(undefined)).toBeNull();
  });
});

/** sRGB hex → CIELAB (D65), for colour distances. */
function hexToLab(hex: string): [number, number, number] {
  const lin = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c > 0.04045 ? ((c + 0.055) / 1.055) ** 2.4 : c / 12.92));
  const [r, g, b] = lin;
  const xyz = [(0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b, (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883];
  const [fx, fy, fz] = xyz.map((t) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116));
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}
