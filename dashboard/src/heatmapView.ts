import { field, h, mount } from './dom.js';
import { composePicture, downloadButtons, toCsv } from './download.js';
import { gql } from './gql.js';
import { drawHeatmap, heatmapGrid } from './heatmap.js';
import { LAYER_PROFILES, LEADERBOARD, type Leaderboard, type ProfileCheckpoint, type ProfilePage } from './queries.js';
import { chartWidth, type ViewContext } from './trajectoryView.js';
import type { DashState } from './urlState.js';
import { createPanel, type Panel } from './view.js';

/**
 * View (b): brain score per layer × checkpoint of one model for the dataset and ROI picked on the
 * left (Checkpoint.layerProfile over every page of Model.checkpoints). Only models with stored
 * brain scores there are offered (the leaderboard's `brain`, which reads stored cells only).
 */
export function createHeatmapView(ctx: ViewContext): { panel: Panel; update(s: DashState): void } {
  const panel = createPanel('Brain score: layer × checkpoint', 'heatmap-view', 'Mean voxel test r per layer (Checkpoint.layerProfile), averaged over subjects; dataset and ROI as picked on the left.');
  const model = h('select', { 'data-testid': 'heatmap-model' });
  const downloads = h('span', {});
  if (ctx.catalog.datasets.length) panel.tools.append(field('Model', model), downloads);
  model.addEventListener('change', () => ctx.commit({ heatmapModel: model.value }));
  let shown = '';

  const update = (state: DashState) => {
    if (!ctx.catalog.datasets.length) {
      return panel.set('empty', 'This warehouse has no fMRI datasets yet, so there are no brain scores to show (while the demo study builds, it appears here when done). '
        + 'Import one with `cortexql import fmri manifest.json`, add features and run `cortexql compute encoding`.');
    }
    const dataset = state.dataset;
    const roi = state.roi || 'all';
    const key = JSON.stringify([dataset, roi, state.heatmapModel, state.models]);
    if (key === shown) return;
    shown = key;
    mount(downloads);
    void panel.latest(
      async () => {
        const board = await gql<{ leaderboard: Leaderboard }>(LEADERBOARD, { dataset, roi, statistic: 'MEAN_R', tasks: [], phases: false });
        const withBrain = board.leaderboard.rows.filter((r) => r.brain !== null).map((r) => r.modelId);
        // The chosen model, else the first picked one with brain scores, else the first with any.
        const id = [state.heatmapModel, ...state.models, ...withBrain].find((m): m is string => !!m && withBrain.includes(m)) ?? null;
        if (id === null) return { id, withBrain, nodes: [] as ProfileCheckpoint[] };
        const nodes: ProfileCheckpoint[] = [];
        let after: string | null = null;
        do {
          const page: ProfilePage = await gql<ProfilePage>(LAYER_PROFILES, { model: id, dataset, roi, after });
          nodes.push(...page.model.checkpoints.nodes);
          after = page.model.checkpoints.pageInfo.hasNextPage ? page.model.checkpoints.pageInfo.endCursor : null;
        } while (after);
        return { id, withBrain, nodes };
      },
      ({ id, withBrain, nodes }) => {
        mount(model, withBrain.map((m) => h('option', { value: m }, m)));
        if (id === null) return panel.set('empty', `No model has stored brain scores on ${dataset} (ROI ${roi}) yet: computeCells computes them.`);
        model.value = id;
        const grid = heatmapGrid(nodes);
        if (!grid.cells) return panel.set('empty', `No brain scores for ${id} on ${dataset} (ROI ${roi}): none computed yet.`);
        const title = `Brain score (mean voxel r), ${id} · ${dataset} · ROI ${roi}: layer × checkpoint`;
        const chart = h('div', { class: 'heatmap', 'data-testid': 'heatmap', 'data-model': id, 'data-roi': roi, 'data-cells': grid.cells, 'data-layers': grid.layers.length, 'data-checkpoints': grid.steps.length });
        mount(panel.body, h('h3', { class: 'chart-title' }, title), chart);
        chart.append(drawHeatmap(grid, chartWidth(panel), Math.min(420, 60 + 22 * grid.layers.length)));
        const canvas = chart.querySelector('canvas')!;
        mount(downloads, downloadButtons('heatmap', () => title, () => composePicture(title, canvas, []), () => toCsv(
          ['step', 'layer', 'mean_r'],
          grid.steps.flatMap((step, si) => grid.layers.map((layer, li) => [step, layer, grid.values[li][si]])),
        )));
        panel.set('ready', `${id} · ${dataset} · ROI ${roi}: ${grid.layers.length} layers × ${grid.steps.length} checkpoints`);
      },
    );
  };
  return { panel, update };
}
