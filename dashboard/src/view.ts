import { h, mount } from './dom.js';

export type ViewState = 'idle' | 'loading' | 'ready' | 'empty' | 'error';

/** A dashboard panel: a title, its own controls, a status line and a body; `data-state` is for tests. */
export interface Panel {
  readonly root: HTMLElement;
  readonly tools: HTMLElement;
  readonly body: HTMLElement;
  /** Sets the state and a status message; `empty` and `error` also replace the body with it. */
  set(state: ViewState, message?: string): void;
  /** Runs `work` unless a newer call started meanwhile: only the latest request may render. */
  latest<T>(work: () => Promise<T>, render: (value: T) => void): Promise<void>;
}

export function createPanel(title: string, testid: string, subtitle: string): Panel {
  const tools = h('div', { class: 'tools' });
  const status = h('div', { class: 'status', 'data-testid': `${testid}-status` });
  const body = h('div', { class: 'body', 'data-testid': `${testid}-body` });
  const root = h('section', { class: 'panel', 'data-testid': testid, 'data-state': 'idle' },
    h('header', {}, h('h2', {}, title), h('p', { class: 'muted' }, subtitle)), tools, status, body);
  let generation = 0;
  const panel: Panel = {
    root,
    tools,
    body,
    set(state, message = '') {
      root.dataset.state = state;
      status.textContent = state === 'loading' ? 'Loading…' : state === 'ready' ? message : '';
      status.className = `status ${state}`;
      if (state === 'empty' || state === 'error') {
        mount(body, h('div', { class: `message ${state}`, 'data-testid': `${testid}-${state}` }, message));
      }
    },
    async latest(work, render) {
      const mine = ++generation;
      panel.set('loading');
      try {
        const value = await work();
        if (mine === generation) render(value);
      } catch (error) {
        if (mine === generation) panel.set('error', error instanceof Error ? error.message : String(error));
      }
    },
  };
  return panel;
}

/** A plain table with a test id. */
export function table(testid: string, head: readonly string[], rows: readonly (readonly (string | Node)[])[]): HTMLTableElement {
  return h('table', { 'data-testid': testid },
    h('thead', {}, h('tr', {}, head.map((c) => h('th', {}, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))));
}
