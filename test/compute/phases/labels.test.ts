import { describe, it, expect } from 'vitest';
import type { SignalRole, SignalSlope } from '../../../compute/phases/labels.js';
import { hasTriplePattern, labelSegments, roleDirection, slopeDirection } from '../../../compute/phases/labels.js';

const UP = { slope: 1, stderr: 0.1, span: 1 };
const DOWN = { slope: -1, stderr: 0.1, span: 1 };
const FLAT = { slope: 0.05, stderr: 0.1, span: 1 };
const seg = (...signals: [SignalRole, typeof UP][]): SignalSlope[] => signals.map(([role, s]) => ({ role, ...s }));

describe('slopeDirection', () => {
  it('compares slope/stderr with the z threshold', () => {
    expect(slopeDirection({ slope: 0.2, stderr: 0.1, span: 1 })).toBe('UP'); // z = 2 (≥)
    expect(slopeDirection({ slope: 0.19, stderr: 0.1, span: 1 })).toBe('FLAT');
    expect(slopeDirection({ slope: -0.3, stderr: 0.1, span: 1 })).toBe('DOWN');
    expect(slopeDirection({ slope: -0.3, stderr: 0.1, span: 1 }, 4)).toBe('FLAT');
  });
  it('is FLAT without a standard error, and on a change below 1e-6 (noise-free plateau)', () => {
    expect(slopeDirection({ slope: 5, stderr: null, span: 1 })).toBe('FLAT');
    expect(slopeDirection({ slope: null, stderr: null, span: 1 })).toBe('FLAT');
    expect(slopeDirection({ slope: 1e-15, stderr: 1e-17, span: 2 })).toBe('FLAT');
    expect(slopeDirection({ slope: 0.5, stderr: 0, span: 2 })).toBe('UP'); // exact fit
  });
  it('combines several signals of a role: agreement wins, conflict is FLAT', () => {
    expect(roleDirection(seg(['BRAIN', UP], ['BRAIN', FLAT]), 'BRAIN')).toBe('UP');
    expect(roleDirection(seg(['BRAIN', UP], ['BRAIN', DOWN]), 'BRAIN')).toBe('FLAT');
    expect(roleDirection(seg(['BRAIN', UP]), 'TASK')).toBeNull();
  });
});

describe('labelSegments with a brain signal', () => {
  it('labels the paper’s three phases and finds the triple pattern', () => {
    const labels = labelSegments([seg(['BRAIN', UP], ['TASK', FLAT]), seg(['BRAIN', DOWN], ['TASK', FLAT]), seg(['BRAIN', UP], ['TASK', UP])]);
    expect(labels).toEqual(['ALIGNMENT', 'DETACHMENT', 'REALIGNMENT']);
    expect(hasTriplePattern(labels)).toBe(true);
  });
  it('covers every brain × task combination', () => {
    const cases: [typeof UP, typeof UP, string][] = [
      [UP, FLAT, 'ALIGNMENT'],
      [UP, DOWN, 'ALIGNMENT'],
      [UP, UP, 'CO_GAIN'],
      [DOWN, FLAT, 'DETACHMENT'],
      [DOWN, UP, 'DIVERGENCE'],
      [DOWN, DOWN, 'CO_DECLINE'],
      [FLAT, UP, 'TASK_GAIN_ONLY'],
      [FLAT, DOWN, 'TASK_DECLINE_ONLY'],
      [FLAT, FLAT, 'PLATEAU'],
    ];
    for (const [b, t, label] of cases) expect(labelSegments([seg(['BRAIN', b], ['TASK', t])])).toEqual([label]);
  });
  it('calls a brain rise REALIGNMENT only after a brain decline, whatever lies between', () => {
    expect(labelSegments([seg(['BRAIN', UP], ['TASK', UP]), seg(['BRAIN', DOWN], ['TASK', DOWN]), seg(['BRAIN', UP], ['TASK', UP])])).toEqual([
      'CO_GAIN',
      'CO_DECLINE',
      'REALIGNMENT',
    ]);
    const labels = labelSegments([seg(['BRAIN', UP]), seg(['BRAIN', DOWN]), seg(['BRAIN', FLAT]), seg(['BRAIN', UP])]);
    expect(labels).toEqual(['ALIGNMENT', 'DETACHMENT', 'PLATEAU', 'REALIGNMENT']);
    expect(hasTriplePattern(labels)).toBe(true);
    expect(hasTriplePattern(['DETACHMENT', 'ALIGNMENT', 'REALIGNMENT'])).toBe(false);
    expect(hasTriplePattern(['ALIGNMENT', 'DETACHMENT'])).toBe(false);
  });
  it('ignores INTERNAL signals for labels', () => {
    expect(labelSegments([seg(['BRAIN', UP], ['INTERNAL', DOWN])])).toEqual(['ALIGNMENT']);
  });
});

describe('labelSegments task-only and internal-only', () => {
  it('labels RAPID_GAIN, CONSOLIDATION, STAGNATION, DECLINE', () => {
    const slow = { slope: 0.3, stderr: 0.05, span: 1 }; // significant but < 0.5 × steepest
    expect(labelSegments([seg(['TASK', UP]), seg(['TASK', slow]), seg(['TASK', FLAT]), seg(['TASK', DOWN])])).toEqual([
      'RAPID_GAIN',
      'CONSOLIDATION',
      'STAGNATION',
      'DECLINE',
    ]);
  });
  it('labels internal-only segments INCREASE, DECREASE, STEADY', () => {
    expect(labelSegments([seg(['INTERNAL', UP]), seg(['INTERNAL', DOWN]), seg(['INTERNAL', FLAT])])).toEqual(['INCREASE', 'DECREASE', 'STEADY']);
  });
});
