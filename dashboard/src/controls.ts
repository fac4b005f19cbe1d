import { field, fmtTokens, h, mount } from './dom.js';
import { swatch, type SeriesStyle } from './legend.js';
import type { Catalog } from './queries.js';
import { BRAIN_STATISTICS, groupMembers, INTERNAL_METRICS, STATISTIC_UNITS } from './signal.js';
import type { DashState } from './urlState.js';

/**
 * The shared controls: a model checklist and a signal picker (task or task group + metric; brain
 * dataset, ROI, layer and statistic; or internal metric, layer and dataset). ROIs and layers come
 * from the API's discovery fields (`Dataset.rois`, `Model.layers`). Shows `state` and calls
 * `onChange` with the fields the user changed.
 */
export function createControls(root: HTMLElement, catalog: Catalog, styles: ReadonlyMap<string, SeriesStyle>, state: DashState, onChange: (patch: Partial<DashState>) => void): void {
  const taskNames = catalog.tasks.map((t) => t.task);
  const metricsOf = (task: string): string[] => {
    const group = catalog.taskGroups.find((g) => g.name === task);
    const members = group ? groupMembers(group.patterns, taskNames) : [task];
    const metrics = new Set(catalog.tasks.filter((t) => members.includes(t.task)).flatMap((t) => t.metrics));
    return [...metrics].sort((a, b) => (a === 'acc' ? -1 : b === 'acc' ? 1 : a.localeCompare(b)));
  };
  const hasData = catalog.datasets.length > 0;

  const modelBoxes = catalog.models.nodes.map((m) =>
    h('label', { class: 'model-option' },
      h('input', { type: 'checkbox', value: m.id, 'data-testid': `model-checkbox-${m.id}`, checked: state.models.includes(m.id) }),
      ' ', swatch(styles.get(m.id)!), ` ${m.id}`,
      m.params ? h('span', { class: 'muted' }, ` ${fmtTokens(m.params)}`) : null),
  );
  const kind = h('select', { 'data-testid': 'signal-kind' },
    h('option', { value: 'TASK' }, 'Task or task group'),
    h('option', { value: 'BRAIN', disabled: !hasData }, 'Brain score'),
    h('option', { value: 'INTERNAL', disabled: !hasData }, 'Internal metric'));
  kind.value = state.kind;

  const task = h('select', { 'data-testid': 'task-select' },
    catalog.taskGroups.length ? h('optgroup', { label: 'Task groups (mean of members)' }, catalog.taskGroups.map((g) => h('option', { value: g.name, title: g.description }, g.name))) : null,
    h('optgroup', { label: 'Tasks' }, taskNames.map((t) => h('option', { value: t }, t))));
  task.value = state.task;
  const metric = h('select', { 'data-testid': 'metric-select' });
  const fillMetrics = (wanted: string) => {
    const metrics = metricsOf(task.value);
    mount(metric, metrics.map((m) => h('option', { value: m }, m)));
    metric.value = metrics.includes(wanted) ? wanted : (metrics[0] ?? '');
  };
  fillMetrics(state.metric);

  const datasetSelect = (testid: string) => h('select', { 'data-testid': testid }, catalog.datasets.map((d) => h('option', { value: d.id }, d.id)));
  const brainDataset = datasetSelect('brain-dataset');
  brainDataset.value = state.dataset;
  const brainRoi = h('select', { 'data-testid': 'brain-roi', title: 'Dataset.rois: "all" is the whole brain' });
  const fillRois = (wanted: string) => {
    const rois = catalog.datasets.find((d) => d.id === brainDataset.value)?.rois ?? [];
    mount(brainRoi, rois.map((r) => h('option', { value: r.name }, `${r.name} (${r.nVoxels} voxels)`)));
    brainRoi.value = rois.some((r) => r.name === wanted) ? wanted : (rois[0]?.name ?? 'all');
  };
  fillRois(state.roi);
  const brainLayer = h('select', { 'data-testid': 'brain-layer', title: 'Model.layers; best = the best layer at each checkpoint' });
  const statistic = h('select', { 'data-testid': 'brain-statistic' }, BRAIN_STATISTICS.map((s) => h('option', { value: s }, STATISTIC_UNITS[s])));
  statistic.value = state.statistic;
  const internalMetric = h('select', { 'data-testid': 'internal-metric' }, INTERNAL_METRICS.map((m) => h('option', { value: m }, m)));
  internalMetric.value = state.internalMetric;
  const internalLayer = h('select', { 'data-testid': 'internal-layer' });
  const internalDataset = datasetSelect('internal-dataset');
  internalDataset.value = state.dataset;

  /** The picked models' layers (all models' when none is picked). */
  const fillLayers = (brainWanted: number | null, internalWanted: number) => {
    const picked = catalog.models.nodes.filter((m) => checkedModels().includes(m.id));
    const layers = [...new Set((picked.length ? picked : catalog.models.nodes).flatMap((m) => m.layers))].sort((a, b) => a - b);
    mount(brainLayer, h('option', { value: 'best' }, 'best per checkpoint'), layers.map((l) => h('option', { value: String(l) }, String(l))));
    brainLayer.value = brainWanted !== null && layers.includes(brainWanted) ? String(brainWanted) : 'best';
    mount(internalLayer, layers.map((l) => h('option', { value: String(l) }, String(l))));
    internalLayer.value = layers.includes(internalWanted) ? String(internalWanted) : String(layers[0] ?? 0);
  };
  const checkedModels = () => modelBoxes.map((l) => l.querySelector('input')!).filter((i) => i.checked).map((i) => i.value);
  fillLayers(state.layer, state.internalLayer);

  const taskRow = h('div', { class: 'row' }, field('Task', task), field('Metric', metric));
  const brainRow = h('div', { class: 'row' }, field('Dataset', brainDataset), field('ROI', brainRoi), field('Layer', brainLayer), field('Statistic', statistic));
  const internalRow = h('div', { class: 'row' }, field('Metric', internalMetric), field('Layer', internalLayer), field('Dataset', internalDataset));
  const showRows = () => {
    taskRow.hidden = kind.value !== 'TASK';
    brainRow.hidden = kind.value !== 'BRAIN';
    internalRow.hidden = kind.value !== 'INTERNAL';
  };
  const layerValue = () => (brainLayer.value === 'best' ? null : Number(brainLayer.value));

  kind.addEventListener('change', () => {
    showRows();
    onChange({ kind: kind.value as DashState['kind'] });
  });
  task.addEventListener('change', () => {
    fillMetrics(metric.value);
    onChange({ task: task.value, metric: metric.value });
  });
  metric.addEventListener('change', () => onChange({ metric: metric.value }));
  for (const ds of [brainDataset, internalDataset]) {
    ds.addEventListener('change', () => {
      brainDataset.value = internalDataset.value = ds.value;
      fillRois(brainRoi.value);
      onChange({ dataset: ds.value, roi: brainRoi.value });
    });
  }
  brainRoi.addEventListener('change', () => onChange({ roi: brainRoi.value }));
  brainLayer.addEventListener('change', () => onChange({ layer: layerValue() }));
  statistic.addEventListener('change', () => onChange({ statistic: statistic.value as DashState['statistic'] }));
  internalMetric.addEventListener('change', () => onChange({ internalMetric: internalMetric.value }));
  internalLayer.addEventListener('change', () => onChange({ internalLayer: Number(internalLayer.value) }));
  for (const l of modelBoxes) {
    l.querySelector('input')!.addEventListener('change', () => {
      fillLayers(layerValue(), Number(internalLayer.value));
      onChange({ models: checkedModels(), layer: layerValue(), internalLayer: Number(internalLayer.value) });
    });
  }
  showRows();

  mount(root,
    h('fieldset', { 'data-testid': 'model-list' }, h('legend', {}, 'Models'), modelBoxes),
    h('fieldset', { 'data-testid': 'signal-picker' }, h('legend', {}, 'Signal'), field('Kind', kind), taskRow, brainRow, internalRow,
      hasData ? null : h('p', { class: 'muted small' }, 'Brain and internal signals need an fMRI dataset; this warehouse has none.')));
}
