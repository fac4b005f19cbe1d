import uPlot from 'uplot';
import { fmt, h } from './dom.js';
import { composePicture } from './download.js';
import type { SeriesStyle } from './legend.js';

/** One model's line; `stderr` draws a ±1 stderr band where present. */
export interface ChartSeries {
  readonly id: string;
  readonly style: SeriesStyle;
  readonly points: readonly { x: number; step: number | null; value: number | null; stderr: number | null }[];
}

/** Background phase bands and breakpoints, already on the chart's x axis. */
export interface PhaseOverlay {
  readonly bands: readonly { label: string; from: number; to: number }[];
  readonly breakpoints: readonly { x: number; low: number | null; high: number | null }[];
}

export interface ChartOptions {
  readonly xLog: boolean;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xFormat: (x: number) => string;
  readonly width: number;
  readonly height: number;
  readonly phases?: PhaseOverlay | null;
  /** Series ids drawn hidden (the legend shows them again). */
  readonly hidden?: ReadonlySet<string>;
}

export interface DrawnChart {
  readonly plot: uPlot;
  /** Points drawn per series id. */
  readonly plotted: ReadonlyMap<string, number>;
  /** Points a log axis cannot show (x ≤ 0, e.g. step 0 = 0 tokens) per series id. */
  readonly excluded: ReadonlyMap<string, number>;
  /** Shows or hides a series with its stderr band. */
  setVisible(id: string, show: boolean): void;
  /** The chart as a picture: `title` above, a legend of the visible series below. */
  picture(title: string): HTMLCanvasElement;
}

const PHASE_FILL: Record<string, string> = {
  ALIGNMENT: 'rgba(0, 158, 115, 0.13)',
  REALIGNMENT: 'rgba(0, 114, 178, 0.13)',
  DETACHMENT: 'rgba(213, 94, 0, 0.13)',
  RAPID_GAIN: 'rgba(0, 158, 115, 0.13)',
  CONSOLIDATION: 'rgba(86, 180, 233, 0.15)',
  STAGNATION: 'rgba(127, 127, 127, 0.12)',
  PLATEAU: 'rgba(127, 127, 127, 0.12)',
  STEADY: 'rgba(127, 127, 127, 0.12)',
  DECLINE: 'rgba(213, 94, 0, 0.13)',
  DECREASE: 'rgba(213, 94, 0, 0.13)',
  CO_DECLINE: 'rgba(213, 94, 0, 0.13)',
};

/** A pale fill per phase label (alternating greys for labels without one). */
export function phaseFill(label: string, index: number): string {
  return PHASE_FILL[label] ?? (index % 2 ? 'rgba(204, 121, 167, 0.12)' : 'rgba(230, 159, 0, 0.12)');
}

/**
 * Draws trajectories with uPlot on one shared x array (the union of the series' x; a series is
 * null where it has no checkpoint and the line spans the gap). Each series with stderr gets two
 * hidden companion series (value ± stderr) filled as a uPlot band.
 */
export function drawTrajectoryChart(target: HTMLElement, series: readonly ChartSeries[], opts: ChartOptions): DrawnChart {
  const plotted = new Map<string, number>();
  const excluded = new Map<string, number>();
  const byX = series.map((s) => {
    const m = new Map<number, { value: number; stderr: number | null }>();
    let out = 0;
    for (const p of s.points) {
      if (p.value === null) continue;
      if (opts.xLog && !(p.x > 0)) out++;
      else m.set(p.x, { value: p.value, stderr: p.stderr });
    }
    plotted.set(s.id, m.size);
    excluded.set(s.id, out);
    return m;
  });
  const xs = [...new Set(byX.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);

  const data: (number | null)[][] = [xs];
  const uSeries: uPlot.Series[] = [{ label: opts.xLabel }];
  const bands: uPlot.Band[] = [];
  /** uPlot series indices per id: the line, then its band companions. */
  const indices = new Map<string, number[]>();
  series.forEach((s, i) => {
    const m = byX[i];
    const show = !opts.hidden?.has(s.id);
    const color = s.style.color;
    data.push(xs.map((x) => m.get(x)?.value ?? null));
    indices.set(s.id, [uSeries.length]);
    uSeries.push({ label: s.id, stroke: color, dash: [...s.style.dash], width: 2, spanGaps: true, show, points: { size: 5, fill: color } });
    const hasErr = [...m.values()].some((p) => p.stderr !== null);
    if (!hasErr) return;
    const band = (sign: 1 | -1) => xs.map((x) => {
      const p = m.get(x);
      return p && p.stderr !== null ? p.value + sign * p.stderr : null;
    });
    data.push(band(1), band(-1));
    const hi = uSeries.length;
    indices.get(s.id)!.push(hi, hi + 1);
    uSeries.push({ label: `${s.id} +stderr`, stroke: 'transparent', spanGaps: true, show, points: { show: false } });
    uSeries.push({ label: `${s.id} −stderr`, stroke: 'transparent', spanGaps: true, show, points: { show: false } });
    bands.push({ series: [hi, hi + 1], fill: `${color}33` });
  });

  const readout = h('div', { class: 'readout', 'data-testid': 'chart-readout' }, '\u00a0');
  const plot = new uPlot(
    {
      width: opts.width,
      height: opts.height,
      legend: { show: false },
      cursor: { points: { size: 7 } },
      scales: {
        // Tight to the data (uPlot widens a log range to whole decades), with headroom above the
        // lines for the phase labels.
        x: { time: false, distr: opts.xLog ? 3 : 1, log: 10, range: (_u, min, max) => (opts.xLog ? [min / 1.3, max * 1.3] : [min, max]) },
        y: { range: (_u, min, max) => {
          const span = max - min || Math.abs(max) || 1;
          return [min - 0.06 * span, max + (opts.phases ? 0.16 : 0.06) * span];
        } },
      },
      axes: [
        {
          label: opts.xLabel,
          values: (_u, splits) => splits.map((v) => (v === null ? '' : opts.xFormat(v))),
          ...(opts.xLog ? { splits: (_u: uPlot, _i: number, min: number, max: number) => decades(min, max) } : {}),
          grid: { stroke: '#eee' },
        },
        // Room for tick values like "0.0123" and the label beside them (uPlot clips an axis to its size).
        { label: opts.yLabel, values: (_u, splits) => splits.map((v) => fmt(v, 3)), grid: { stroke: '#eee' }, size: 64, labelSize: 22, labelGap: 2 },
      ],
      series: uSeries,
      bands,
      hooks: {
        drawClear: [(u) => opts.phases && drawPhaseBands(u, opts.phases)],
        draw: [(u) => opts.phases && drawBreakpoints(u, opts.phases), (u) => opts.phases && drawPhaseLabels(u, opts.phases)],
        setCursor: [(u) => {
          const idx = u.cursor.idx;
          if (idx === null || idx === undefined) return;
          const parts = series.map((s, i) => {
            if (!u.series[indices.get(s.id)![0]].show) return null;
            const p = byX[i].get(xs[idx]);
            return p ? `${s.id} ${fmt(p.value)}${p.stderr !== null ? ` ± ${fmt(p.stderr, 2)}` : ''}` : null;
          });
          readout.textContent = `${opts.xFormat(xs[idx])} — ${parts.filter(Boolean).join(' · ')}`;
        }],
      },
    },
    data as uPlot.AlignedData,
    target,
  );
  target.append(readout);
  return {
    plot, plotted, excluded,
    setVisible(id, show) {
      for (const idx of indices.get(id) ?? []) plot.setSeries(idx, { show });
    },
    picture(title) {
      const keys = series.filter((s) => plot.series[indices.get(s.id)![0]].show).map((s) => ({ label: s.id, color: s.style.color, dash: s.style.dash }));
      return composePicture(title, plot.ctx.canvas, keys);
    },
  };
}

/** Powers of ten within [min, max]: ticks of a log axis whose range is not whole decades. */
function decades(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(min)); e <= Math.floor(Math.log10(max)); e++) out.push(10 ** e);
  return out;
}

function drawPhaseBands(u: uPlot, phases: PhaseOverlay): void {
  const { ctx, bbox } = u;
  const dpr = devicePixelRatio || 1;
  ctx.save();
  ctx.beginPath();
  ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
  ctx.clip();
  phases.bands.forEach((b, i) => {
    const x0 = u.valToPos(b.from, 'x', true);
    const x1 = u.valToPos(b.to, 'x', true);
    ctx.fillStyle = phaseFill(b.label, i);
    ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
  });
  ctx.restore();
}

/** Labels go on top of grid and lines (the bands themselves are drawn first, behind everything). */
function drawPhaseLabels(u: uPlot, phases: PhaseOverlay): void {
  const { ctx, bbox } = u;
  const dpr = devicePixelRatio || 1;
  ctx.save();
  ctx.font = `600 ${10 * dpr}px system-ui, sans-serif`;
  ctx.textAlign = 'left'; // uPlot leaves the context as its last axis label set it
  ctx.textBaseline = 'top';
  for (const b of phases.bands) {
    const x0 = Math.max(u.valToPos(b.from, 'x', true), bbox.left);
    const x1 = Math.min(u.valToPos(b.to, 'x', true), bbox.left + bbox.width);
    const text = b.label.replace(/_/g, ' ');
    const w = ctx.measureText(text).width;
    if (w + 8 * dpr > x1 - x0) continue; // too narrow: the chip list below the chart names it
    ctx.fillStyle = 'rgba(255, 255, 255, 0.8)';
    ctx.fillRect(x0 + 2 * dpr, bbox.top + 2 * dpr, w + 6 * dpr, 14 * dpr);
    ctx.fillStyle = '#333';
    ctx.fillText(text, x0 + 5 * dpr, bbox.top + 4 * dpr);
  }
  ctx.restore();
}

function drawBreakpoints(u: uPlot, phases: PhaseOverlay): void {
  const { ctx, bbox } = u;
  const dpr = devicePixelRatio || 1;
  ctx.save();
  ctx.strokeStyle = '#333';
  ctx.lineWidth = 1 * dpr;
  for (const b of phases.breakpoints) {
    const x = u.valToPos(b.x, 'x', true);
    ctx.setLineDash([4 * dpr, 3 * dpr]);
    ctx.beginPath();
    ctx.moveTo(x, bbox.top);
    ctx.lineTo(x, bbox.top + bbox.height);
    ctx.stroke();
    if (b.low === null || b.high === null) continue;
    // The bootstrap interval of the breakpoint, as a whisker along the bottom of the plot.
    const lo = u.valToPos(b.low, 'x', true);
    const hi = u.valToPos(b.high, 'x', true);
    const y = bbox.top + bbox.height - 8 * dpr;
    ctx.setLineDash([]);
    ctx.fillStyle = 'rgba(0, 0, 0, 0.18)';
    ctx.fillRect(lo, y - 3 * dpr, Math.max(hi - lo, 1), 6 * dpr);
    ctx.beginPath();
    ctx.moveTo(lo, y - 5 * dpr);
    ctx.lineTo(lo, y + 5 * dpr);
    ctx.moveTo(hi, y - 5 * dpr);
    ctx.lineTo(hi, y + 5 * dpr);
    ctx.stroke();
  }
  ctx.restore();
}
