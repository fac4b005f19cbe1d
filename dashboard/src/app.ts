import 'uplot/dist/uPlot.min.css';
import './style.css';
import { createCompareView } from './compareView.js';
import { createControls } from './controls.js';
import { demoProgress } from './demoProgress.js';
import { h, mount } from './dom.js';
import { apiKey, gql, setApiKey } from './gql.js';
import { createHeatmapView } from './heatmapView.js';
import { createLeaderboardView } from './leaderboardView.js';
import { seriesStyle } from './legend.js';
import { CATALOG, type Catalog } from './queries.js';
import { createTrajectoryView } from './trajectoryView.js';
import { defaultState, readState, writeState, type DashState } from './urlState.js';

/** Entry point: read the catalog (models, tasks, task groups, datasets with ROIs), then build the views from the URL's state. */
async function main(): Promise<void> {
  const app = document.getElementById('app')!;
  // Whether the user changed the view: a reload after the demo study is built keeps their view,
  // or else opens on the first view the finished warehouse offers (the headline).
  let touched = false;
  demoProgress(document.getElementById('demo-progress')!, () => (touched ? location.reload() : location.replace(location.pathname)));
  let catalog: Catalog;
  try {
    catalog = await gql<Catalog>(CATALOG);
  } catch (error) {
    app.dataset.state = 'error';
    mount(app, h('div', {}, h('p', { class: 'message error', 'data-testid': 'app-error' }, `Cannot read from the GraphQL API: ${(error as Error).message}`), keyForm()));
    return;
  }
  // One style per model, stable across views and selections.
  const styles = new Map(catalog.models.nodes.map((m, i) => [m.id, seriesStyle(i)]));
  const known = new Set(catalog.models.nodes.map((m) => m.id));
  const read = readState(location.search, defaultState(catalog));
  let state: DashState = { ...read, models: read.models.filter((m) => known.has(m)) };

  const views: { update(s: DashState): void }[] = [];
  const commit = (patch: Partial<DashState>) => {
    if (Object.keys(patch).length) touched = true;
    state = { ...state, ...patch };
    history.replaceState(null, '', writeState(state));
    for (const v of views) v.update(state);
  };
  const ctx = { catalog, styles, commit };
  const trajectories = createTrajectoryView(ctx);
  const compare = createCompareView(ctx);
  const heatmap = createHeatmapView(ctx);
  const leaderboard = createLeaderboardView(ctx);
  views.push(trajectories, compare, heatmap, leaderboard);
  const controls = h('aside', { class: 'controls', 'data-testid': 'controls' });
  mount(app, h('div', { class: 'side' }, controls, keyForm()),
    h('main', {}, trajectories.panel.root, leaderboard.panel.root, compare.panel.root, heatmap.panel.root));
  app.dataset.state = 'ready';
  createControls(controls, catalog, styles, state, commit);
  commit({});
}

/** Sets or clears this tab's API key, then reloads. */
function keyForm(): HTMLElement {
  const input = h('input', { type: 'password', 'data-testid': 'api-key', placeholder: apiKey() ? 'key set' : 'none (anonymous)', autocomplete: 'off' });
  const form = h('form', { class: 'key-form', 'data-testid': 'api-key-form' },
    h('fieldset', {}, h('legend', {}, 'API key'), input, ' ', h('button', { type: 'submit' }, 'Use'),
      apiKey() ? h('button', { type: 'button', onclick: () => { setApiKey(null); location.reload(); } }, 'Forget') : null,
      h('p', { class: 'muted small' }, 'Sent as Authorization: Bearer; kept for this browser session only.')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setApiKey(input.value.trim() || null);
    location.reload();
  });
  return form;
}

void main();
