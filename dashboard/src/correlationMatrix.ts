import { fmt, h } from './dom.js';
import type { Correlation } from './queries.js';

/** ColorBrewer RdBu (Harrower & Brewer 2003), colour-blind safe: blue −1, near-white 0, red +1. */
const RDBU: readonly [number, number, number][] = [
  [33, 102, 172], [103, 169, 207], [209, 229, 240], [247, 247, 247], [253, 219, 199], [239, 138, 98], [178, 24, 43],
];

export function rdbu(r: number): string {
  const u = ((Math.min(1, Math.max(-1, r)) + 1) / 2) * (RDBU.length - 1);
  const i = Math.min(RDBU.length - 2, Math.floor(u));
  const f = u - i;
  const [a, b] = [RDBU[i], RDBU[i + 1]];
  return `rgb(${a.map((c, k) => Math.round(c + f * (b[k] - c))).join(',')})`;
}

/** The symmetric matrix of the pairwise correlations, models in the given order; null where undefined, 1 on the diagonal. */
export function correlationGrid(models: readonly string[], pairs: readonly Correlation[]): (number | null)[][] {
  const at = new Map(pairs.flatMap((p) => [[`${p.modelA}\0${p.modelB}`, p.r], [`${p.modelB}\0${p.modelA}`, p.r]] as const));
  return models.map((a) => models.map((b) => (a === b ? 1 : (at.get(`${a}\0${b}`) ?? null))));
}

/**
 * The pairwise trajectory correlations as an N × N matrix on a canvas (one row and column per
 * model, each cell coloured by r on a diverging scale and labelled with it), with a colour bar.
 */
export function drawCorrelationMatrix(models: readonly string[], pairs: readonly Correlation[], maxWidth: number): HTMLCanvasElement {
  const grid = correlationGrid(models, pairs);
  const dpr = devicePixelRatio || 1;
  const measure = document.createElement('canvas').getContext('2d')!;
  measure.font = '12px system-ui, sans-serif';
  const labelW = Math.ceil(Math.max(...models.map((m) => measure.measureText(m).width))) + 10;
  const n = models.length;
  const cell = Math.max(28, Math.min(64, Math.floor((maxWidth - labelW - 90) / n)));
  const pad = { left: labelW, top: labelW, right: 80, bottom: 10 };
  const width = pad.left + n * cell + pad.right;
  const height = pad.top + n * cell + pad.bottom;
  const canvas = h('canvas', { width: width * dpr, height: height * dpr, style: `width:${width}px;height:${height}px` });
  const ctx = canvas.getContext('2d')!;
  ctx.scale(dpr, dpr);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.font = '12px system-ui, sans-serif';
  grid.forEach((row, i) => row.forEach((r, j) => {
    const x = pad.left + j * cell;
    const y = pad.top + i * cell;
    ctx.fillStyle = r === null ? '#d9d9d9' : rdbu(r);
    ctx.fillRect(x, y, cell - 1, cell - 1);
    ctx.fillStyle = r !== null && Math.abs(r) > 0.6 ? '#fff' : '#1d2330';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(r === null ? '–' : fmt(r, 2), x + cell / 2, y + cell / 2);
  }));
  ctx.fillStyle = '#1d2330';
  models.forEach((m, i) => {
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    ctx.fillText(m, pad.left - 6, pad.top + (i + 0.5) * cell);
    ctx.save();
    ctx.translate(pad.left + (i + 0.5) * cell, pad.top - 6);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'left';
    ctx.fillText(m, 0, 0);
    ctx.restore();
  });
  // Colour bar from +1 (top) to −1.
  const bx = pad.left + n * cell + 16;
  const bh = Math.max(60, n * cell);
  for (let k = 0; k < bh; k++) {
    ctx.fillStyle = rdbu(1 - (2 * k) / bh);
    ctx.fillRect(bx, pad.top + k, 12, 1);
  }
  ctx.fillStyle = '#1d2330';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText('+1', bx + 16, pad.top);
  ctx.textBaseline = 'middle';
  ctx.fillText('0', bx + 16, pad.top + bh / 2);
  ctx.fillText('r', bx + 34, pad.top + bh / 2);
  ctx.textBaseline = 'bottom';
  ctx.fillText('−1', bx + 16, pad.top + bh);
  return canvas;
}
