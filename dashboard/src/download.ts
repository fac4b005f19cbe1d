import { h } from './dom.js';

/** A CSV field: quoted when it holds a comma, quote or line break (RFC 4180 §2). */
function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV text with CRLF line ends and a header row; null is an empty field. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** A file name from a chart's title: letters, digits, dots and dashes only. */
export function fileName(title: string, ext: string): string {
  return `cortexql-${title.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80)}.${ext}`;
}

function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * "PNG" and "CSV" buttons for a chart (a table has CSV only): `png` draws the picture (with its title and legend) on a
 * canvas, `csv` gives the plotted data as the API returned it. Built when clicked, so they
 * export what is shown then (hidden series are left out of the PNG, never out of the CSV).
 */
export function downloadButtons(testid: string, title: () => string, png: (() => HTMLCanvasElement) | null, csv: () => string): HTMLElement {
  return h('span', { class: 'downloads' },
    png && h('button', { type: 'button', 'data-testid': `${testid}-png`, title: 'Download the chart as a PNG image', onclick: () => {
      png().toBlob((blob) => blob && save(blob, fileName(title(), 'png')), 'image/png');
    } }, 'PNG'),
    h('button', { type: 'button', 'data-testid': `${testid}-csv`, title: 'Download the plotted data as CSV', onclick: () => {
      save(new Blob([csv()], { type: 'text/csv' }), fileName(title(), 'csv'));
    } }, 'CSV'));
}

/** One legend entry of an exported picture. */
export interface PictureKey {
  readonly label: string;
  readonly color: string;
  readonly dash?: readonly number[];
}

/**
 * A picture for export: a white canvas with the title on top, `source` (a chart canvas, in device
 * pixels) below it and a legend line of `keys` under that.
 */
export function composePicture(title: string, source: HTMLCanvasElement, keys: readonly PictureKey[]): HTMLCanvasElement {
  const dpr = devicePixelRatio || 1;
  const pad = 12 * dpr;
  const titleH = 26 * dpr;
  const rowH = 18 * dpr;
  const measure = document.createElement('canvas').getContext('2d')!;
  measure.font = `600 ${13 * dpr}px system-ui, sans-serif`;
  // Wide enough for the title too (a correlation matrix is narrower than its title).
  const width = Math.max(source.width, Math.ceil(measure.measureText(title).width + 2 * pad));
  measure.font = `${12 * dpr}px system-ui, sans-serif`;
  // Lay the legend out in rows that fit the width.
  const rows: { key: PictureKey; x: number }[][] = [[]];
  let x = pad;
  for (const key of keys) {
    const w = 30 * dpr + measure.measureText(key.label).width + 16 * dpr;
    if (x + w > width && rows[rows.length - 1].length) {
      rows.push([]);
      x = pad;
    }
    rows[rows.length - 1].push({ key, x });
    x += w;
  }
  const legendH = keys.length ? rows.length * rowH + pad / 2 : 0;
  const out = h('canvas', { width, height: titleH + source.height + legendH });
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = '#1d2330';
  ctx.font = `600 ${13 * dpr}px system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  ctx.fillText(title, pad, titleH / 2);
  ctx.drawImage(source, 0, titleH);
  ctx.font = `${12 * dpr}px system-ui, sans-serif`;
  rows.forEach((row, r) => {
    const y = titleH + source.height + r * rowH + rowH / 2;
    for (const { key, x: kx } of row) {
      ctx.strokeStyle = key.color;
      ctx.lineWidth = 2.5 * dpr;
      ctx.setLineDash((key.dash ?? []).map((d) => d * dpr));
      ctx.beginPath();
      ctx.moveTo(kx, y);
      ctx.lineTo(kx + 22 * dpr, y);
      ctx.stroke();
      ctx.fillStyle = '#1d2330';
      ctx.fillText(key.label, kx + 28 * dpr, y);
    }
  });
  return out;
}
