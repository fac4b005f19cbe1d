import type { PhaseResult } from './queries.js';
import type { PhaseOverlay } from './trajectoryChart.js';

/**
 * Places detected phases on a chart's x axis through the steps they name (segments and
 * breakpoints are checkpoints, so `stepToX` of the model's own series places them on any axis).
 * A breakpoint is the last checkpoint of the segment on its left (docs/phases.md), so each band
 * ends at its breakpoint and the next starts there: the background is continuous and the dashed
 * breakpoint line is the band edge. Breakpoints keep their bootstrap interval.
 */
export function phaseOverlay(result: PhaseResult, stepToX: ReadonlyMap<number, number>, xLog: boolean): PhaseOverlay {
  const at = (step: number) => stepToX.get(step) ?? null;
  const segs = result.segments
    .map((s) => ({ label: s.label, start: at(s.startStep), end: at(s.endStep) }))
    .filter((s): s is { label: string; start: number; end: number } => s.start !== null && s.end !== null && (!xLog || s.start > 0));
  const bands = segs.map((s, i) => ({
    label: s.label,
    from: i === 0 ? s.start : segs[i - 1].end,
    to: s.end,
  }));
  const breakpoints = result.breakpoints.flatMap((b) => {
    const x = at(b.step);
    if (x === null) return [];
    return [{ x, low: b.ci ? at(b.ci.lowStep) : null, high: b.ci ? at(b.ci.highStep) : null }];
  });
  return { bands, breakpoints };
}
