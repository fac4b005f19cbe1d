import { fmt, h } from './dom.js';
import type { ProfileCheckpoint } from './queries.js';

/** Viridis, sampled at 5 stops (perceptually uniform, readable in grey). */
const VIRIDIS: readonly [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export function viridis(t: number): string {
  const u = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const [a, b] = [VIRIDIS[i], VIRIDIS[i + 1]];
  return `rgb(${a.map((c, k) => Math.round(c + f * (b[k] - c))).join(',')})`;
}

export interface HeatmapGrid {
  readonly steps: number[];
  readonly layers: number[];
  /** values[layerIndex][stepIndex]; null = not computed or undefined. */
  readonly values: (number | null)[][];
  /** Cells with a value (what the API returned with a non-null value). */
  readonly cells: number;
}

/** Layer × checkpoint grid of the checkpoints that have any layer score. */
export function heatmapGrid(checkpoints: readonly ProfileCheckpoint[]): HeatmapGrid {
  const withData = checkpoints.filter((c) => c.layerProfile.length > 0);
  const layers = [...new Set(withData.flatMap((c) => c.layerProfile.map((l) => l.layer)))].sort((a, b) => a - b);
  const values = layers.map((layer) => withData.map((c) => c.layerProfile.find((l) => l.layer === layer)?.value ?? null));
  const cells = values.flat().filter((v) => v !== null).length;
  return { steps: withData.map((c) => c.step), layers, values, cells };
}

/** Draws the grid on a canvas: checkpoints left to right (by step, evenly spaced), layer 0 at the bottom. */
export function drawHeatmap(grid: HeatmapGrid, width: number, height: number): HTMLElement {
  const dpr = devicePixelRatio || 1;
  const canvas = h('canvas', { width: width * dpr, height: height * dpr, style: `width:${width}px;height:${height}px` });
  const readout = h('div', { class: 'readout', 'data-testid': 'heatmap-readout' }, '\u00a0');
  const ctx = canvas.getContext('2d')!;
  ctx.scale(dpr, dpr);
  const pad = { left: 56, right: 78, top: 10, bottom: 46 };
  const pw = width - pad.left - pad.right;
  const ph = height - pad.top - pad.bottom;
  const cw = pw / grid.steps.length;
  const ch = ph / grid.layers.length;
  const finite = grid.values.flat().filter((v): v is number => v !== null);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const norm = (v: number) => (hi > lo ? (v - lo) / (hi - lo) : 0.5);

  grid.layers.forEach((_, li) => {
    grid.steps.forEach((__, si) => {
      const v = grid.values[li][si]!;
      ctx.fillStyle = v === null ? '#e6e6e6' : viridis(norm(v));
      // Whole-pixel edges shared by neighbours, so no hairline gaps between cells.
      const x0 = Math.round(pad.left + si * cw);
      const y0 = Math.round(pad.top + (grid.layers.length - 1 - li) * ch);
      ctx.fillRect(x0, y0, Math.round(pad.left + (si + 1) * cw) - x0, Math.round(pad.top + (grid.layers.length - li) * ch) - y0);
    });
  });

  ctx.fillStyle = '#333';
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const yEvery = Math.max(1, Math.ceil(grid.layers.length / Math.max(1, ph / 14)));
  grid.layers.forEach((layer, li) => {
    if (li % yEvery === 0) ctx.fillText(String(layer), pad.left - 6, pad.top + (grid.layers.length - 1 - li + 0.5) * ch);
  });
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const xEvery = Math.max(1, Math.ceil(grid.steps.length / Math.max(1, pw / 48)));
  grid.steps.forEach((step, si) => {
    if (si % xEvery === 0) ctx.fillText(String(step), pad.left + (si + 0.5) * cw, pad.top + ph + 4);
  });
  ctx.fillText('checkpoint step', pad.left + pw / 2, pad.top + ph + 24);
  ctx.save();
  ctx.translate(14, pad.top + ph / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText('layer', 0, 0);
  ctx.restore();

  // Colour bar.
  const bx = width - pad.right + 14;
  for (let i = 0; i < ph; i++) {
    ctx.fillStyle = viridis(1 - i / ph);
    ctx.fillRect(bx, pad.top + i, 12, 1);
  }
  ctx.fillStyle = '#333';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(fmt(hi, 3), bx + 16, pad.top);
  ctx.textBaseline = 'bottom';
  ctx.fillText(fmt(lo, 3), bx + 16, pad.top + ph);
  ctx.textBaseline = 'middle';
  ctx.fillText('r', bx + 16, pad.top + ph / 2);

  canvas.addEventListener('mousemove', (e) => {
    const r = canvas.getBoundingClientRect();
    const si = Math.floor((e.clientX - r.left - pad.left) / cw);
    const li = grid.layers.length - 1 - Math.floor((e.clientY - r.top - pad.top) / ch);
    if (si < 0 || si >= grid.steps.length || li < 0 || li >= grid.layers.length) return;
    readout.textContent = `step ${grid.steps[si]} · layer ${grid.layers[li]}: r = ${fmt(grid.values[li][si])}`;
  });
  return h('div', {}, canvas, readout);
}
