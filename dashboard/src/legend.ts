import { h } from './dom.js';

/** How a series is drawn: its colour and, past the first seven, a dash pattern (two cues, not one). */
export interface SeriesStyle {
  readonly color: string;
  readonly dash: readonly number[];
}

/**
 * Twelve colours that stay apart for colour-blind readers: Okabe & Ito's (2008) palette without
 * its yellow (too pale on white), then five of Paul Tol's colours (Tol 2021, sron.nl/~pault: wine,
 * olive, indigo, brown, grey), the five of his that lie farthest (CIE76 ΔE ≥ 26) from the first
 * seven and each other. Series 8–12 are also dashed, so even a pair that looks alike differs.
 */
export const PALETTE = [
  '#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000',
  '#882255', '#999933', '#332288', '#661100', '#888888',
] as const;

export function seriesStyle(index: number): SeriesStyle {
  const i = index % PALETTE.length;
  return { color: PALETTE[i], dash: i < 7 ? [] : [6, 3] };
}

/** A short line sample in the series' colour and dash. */
export function swatch(style: SeriesStyle): SVGSVGElement {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('width', '22');
  svg.setAttribute('height', '10');
  svg.setAttribute('class', 'swatch');
  const line = document.createElementNS(NS, 'line');
  for (const [k, v] of Object.entries({ x1: '1', y1: '5', x2: '21', y2: '5', stroke: style.color, 'stroke-width': '2.5', 'stroke-dasharray': style.dash.join(' ') })) line.setAttribute(k, v);
  svg.append(line);
  return svg;
}

export interface LegendItem {
  readonly id: string;
  readonly style: SeriesStyle;
  /** Extra text after the name (e.g. how many points). */
  readonly detail?: string;
}

/**
 * A legend whose entries are toggle buttons: clicking one hides or shows its series (`hidden`
 * holds the hidden ids and is kept by the caller, so a redraw keeps the choice).
 */
export function seriesLegend(testid: string, items: readonly LegendItem[], hidden: Set<string>, onToggle: (id: string, shown: boolean) => void): HTMLElement {
  return h('div', { class: 'legend', 'data-testid': testid, role: 'group', 'aria-label': 'Series (click to hide or show)' },
    items.map((item) => {
      const button = h('button', {
        type: 'button', class: 'legend-item', 'data-testid': 'series-legend', 'data-model': item.id,
        'aria-pressed': String(!hidden.has(item.id)), title: 'Click to hide or show this series',
      }, swatch(item.style), ` ${item.id}`, item.detail ? h('span', { class: 'muted' }, ` ${item.detail}`) : null);
      button.addEventListener('click', () => {
        const shown = hidden.has(item.id);
        if (shown) hidden.delete(item.id);
        else hidden.add(item.id);
        button.setAttribute('aria-pressed', String(shown));
        onToggle(item.id, shown);
      });
      return button;
    }));
}
