import type { Selection } from './controls.js';
import { field, h, mount } from './dom.js';
import { gql } from './gql.js';
import { drawHeatmap, heatmapGrid } from './heatmap.js';
import { LAYER_PROFILES, type Catalog, type ProfileCheckpoint, type ProfilePage } from './queries.js';
import { chartWidth } from './trajectoryView.js';
import { createPanel, type Panel } from './view.js';

/**
 * View (b): brain score per layer × checkpoint of one model for a dataset and ROI
 * (Checkpoint.layerProfile over every page of Model.checkpoints).
 */
export function createHeatmapView(catalog: Catalog): { panel: Panel; update(sel: Selection): void } {
  const panel = createPanel('Brain score: layer × checkpoint', 'heatmap-view', 'Mean voxel test r per layer (Checkpoint.layerProfile), averaged over subjects.');
  const model = h('select', { 'data-testid': 'heatmap-model' }, catalog.models.nodes.map((m) => h('option', { value: m.id }, m.id)));
  const dataset = h('select', { 'data-testid': 'heatmap-dataset' }, catalog.datasets.map((d) => h('option', { value: d.id }, d.id)));
  const roi = h('input', { 'data-testid': 'heatmap-roi', value: 'all', size: 8 });
  if (catalog.datasets.length) panel.tools.append(field('Model', model), field('Dataset', dataset), field('ROI', roi));
  // The model follows the first picked model until one is chosen here.
  let pinned = false;

  const load = () => {
    if (!catalog.datasets.length) {
      return panel.set('empty', 'This warehouse has no fMRI datasets, so there are no brain scores to show (the Pythia-only demo has none). '
        + 'Import one with `cortexql import fmri manifest.json`, add features and run `cortexql compute encoding`.');
    }
    const vars = { model: model.value, dataset: dataset.value, roi: roi.value.trim() || 'all' };
    void panel.latest(
      async () => {
        const nodes: ProfileCheckpoint[] = [];
        let after: string | null = null;
        do {
          const page: ProfilePage = await gql<ProfilePage>(LAYER_PROFILES, { ...vars, after });
          nodes.push(...page.model.checkpoints.nodes);
          after = page.model.checkpoints.pageInfo.hasNextPage ? page.model.checkpoints.pageInfo.endCursor : null;
        } while (after);
        return nodes;
      },
      (nodes) => {
        const grid = heatmapGrid(nodes);
        if (!grid.cells) return panel.set('empty', `No brain scores for ${vars.model} on ${vars.dataset} (ROI ${vars.roi}): none computed yet.`);
        const chart = h('div', { class: 'heatmap', 'data-testid': 'heatmap', 'data-cells': grid.cells, 'data-layers': grid.layers.length, 'data-checkpoints': grid.steps.length });
        mount(panel.body, chart);
        chart.append(drawHeatmap(grid, chartWidth(panel), Math.min(420, 60 + 22 * grid.layers.length)));
        panel.set('ready', `${vars.model} · ${vars.dataset} · ROI ${vars.roi}: ${grid.layers.length} layers × ${grid.steps.length} checkpoints`);
      },
    );
  };
  model.addEventListener('change', () => {
    pinned = true;
    load();
  });
  dataset.addEventListener('change', load);
  roi.addEventListener('change', load);
  let first = true;
  return {
    panel,
    update(sel) {
      const follow = !pinned && sel.models[0] && sel.models[0] !== model.value;
      if (follow) model.value = sel.models[0];
      if (follow || first) load();
      first = false;
    },
  };
}
