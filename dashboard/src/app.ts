import 'uplot/dist/uPlot.min.css';
import './style.css';
import { createCompareView } from './compareView.js';
import { createControls, type Selection } from './controls.js';
import { h, mount } from './dom.js';
import { apiKey, gql, setApiKey } from './gql.js';
import { createHeatmapView } from './heatmapView.js';
import { CATALOG, type Catalog } from './queries.js';
import { PALETTE } from './trajectoryChart.js';
import { createTrajectoryView } from './trajectoryView.js';

/** Entry point: read the catalog (models, tasks, task groups, datasets), then build the views. */
async function main(): Promise<void> {
  const app = document.getElementById('app')!;
  let catalog: Catalog;
  try {
    catalog = await gql<Catalog>(CATALOG);
  } catch (error) {
    app.dataset.state = 'error';
    mount(app, h('div', {}, h('p', { class: 'message error', 'data-testid': 'app-error' }, `Cannot read from the GraphQL API: ${(error as Error).message}`), keyForm()));
    return;
  }
  // One colour per model, stable across views and selections.
  const colors = new Map(catalog.models.nodes.map((m, i) => [m.id, PALETTE[i % PALETTE.length]]));
  const trajectories = createTrajectoryView(colors);
  const heatmap = createHeatmapView(catalog);
  const compare = createCompareView(colors);
  const controls = h('aside', { class: 'controls', 'data-testid': 'controls' });
  mount(app, h('div', { class: 'side' }, controls, keyForm()), h('main', {}, trajectories.panel.root, compare.panel.root, heatmap.panel.root));
  app.dataset.state = 'ready';
  createControls(controls, catalog, (sel: Selection) => {
    trajectories.update(sel);
    compare.update(sel);
    heatmap.update(sel);
  });
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
