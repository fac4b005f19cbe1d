import { describe, expect, it } from 'vitest';
import { heatmapGrid } from '../../dashboard/src/heatmap.js';
import { phaseOverlay } from '../../dashboard/src/phaseOverlay.js';
import type { PhaseResult } from '../../dashboard/src/queries.js';
import { compareArgs, groupMembers, signalInput } from '../../dashboard/src/signal.js';

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
});
