import { field, fmtTokens, h, mount } from './dom.js';
import type { Catalog } from './queries.js';
import { groupMembers, INTERNAL_METRICS, type SignalChoice } from './signal.js';

/** What every view reads: the picked models (in catalog order) and the signal. */
export interface Selection {
  readonly models: readonly string[];
  readonly signal: SignalChoice | null;
}

const PREFERRED_TASK = 'lambada_openai';

/**
 * The shared controls: a model checklist and a signal picker (task or task group + metric,
 * brain dataset / ROI / layer, or internal metric / layer / dataset). Calls `onChange` with the
 * whole selection after every change.
 */
export function createControls(root: HTMLElement, catalog: Catalog, onChange: (s: Selection) => void): void {
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
      h('input', { type: 'checkbox', value: m.id, 'data-testid': `model-checkbox-${m.id}` }),
      ` ${m.id}`,
      m.params ? h('span', { class: 'muted' }, ` ${fmtTokens(m.params)}`) : null),
  );
  const kind = h('select', { 'data-testid': 'signal-kind' },
    h('option', { value: 'TASK' }, 'Task or task group'),
    h('option', { value: 'BRAIN', disabled: !hasData }, 'Brain score'),
    h('option', { value: 'INTERNAL', disabled: !hasData }, 'Internal metric'));

  const task = h('select', { 'data-testid': 'task-select' },
    catalog.taskGroups.length ? h('optgroup', { label: 'Task groups (mean of members)' }, catalog.taskGroups.map((g) => h('option', { value: g.name, title: g.description }, g.name))) : null,
    h('optgroup', { label: 'Tasks' }, taskNames.map((t) => h('option', { value: t }, t))));
  task.value = taskNames.includes(PREFERRED_TASK) ? PREFERRED_TASK : (taskNames[0] ?? '');
  const metric = h('select', { 'data-testid': 'metric-select' });
  const fillMetrics = () => {
    const metrics = metricsOf(task.value);
    mount(metric, metrics.map((m) => h('option', { value: m }, m)));
  };
  fillMetrics();

  const datasetSelect = (testid: string) => h('select', { 'data-testid': testid }, catalog.datasets.map((d) => h('option', { value: d.id }, d.id)));
  const brainDataset = datasetSelect('brain-dataset');
  const brainRoi = h('input', { 'data-testid': 'brain-roi', value: 'all', size: 8, title: 'ROI name; "all" = whole brain' });
  const brainLayer = h('input', { 'data-testid': 'brain-layer', type: 'number', min: 0, placeholder: 'best', size: 4, title: 'empty = best layer per checkpoint' });
  const internalMetric = h('select', { 'data-testid': 'internal-metric' }, INTERNAL_METRICS.map((m) => h('option', { value: m }, m)));
  const internalLayer = h('input', { 'data-testid': 'internal-layer', type: 'number', min: 0, value: 0, size: 4 });
  const internalDataset = datasetSelect('internal-dataset');

  const taskRow = h('div', { class: 'row' }, field('Task', task), field('Metric', metric));
  const brainRow = h('div', { class: 'row' }, field('Dataset', brainDataset), field('ROI', brainRoi), field('Layer', brainLayer));
  const internalRow = h('div', { class: 'row' }, field('Metric', internalMetric), field('Layer', internalLayer), field('Dataset', internalDataset));

  const selection = (): Selection => {
    const models = modelBoxes.map((l) => l.querySelector('input')!).filter((i) => i.checked).map((i) => i.value);
    return { models, signal: signalChoice() };
  };
  const signalChoice = (): SignalChoice | null => {
    switch (kind.value) {
      case 'TASK':
        return task.value && metric.value ? { kind: 'TASK', task: task.value, metric: metric.value } : null;
      case 'BRAIN': {
        const layer = brainLayer.value.trim() === '' ? null : Number(brainLayer.value);
        return brainDataset.value ? { kind: 'BRAIN', dataset: brainDataset.value, roi: brainRoi.value.trim() || 'all', layer } : null;
      }
      case 'INTERNAL':
        return internalDataset.value ? { kind: 'INTERNAL', dataset: internalDataset.value, metric: internalMetric.value, layer: Number(internalLayer.value) || 0 } : null;
      default:
        return null;
    }
  };
  const showRows = () => {
    taskRow.hidden = kind.value !== 'TASK';
    brainRow.hidden = kind.value !== 'BRAIN';
    internalRow.hidden = kind.value !== 'INTERNAL';
  };
  const changed = () => {
    showRows();
    onChange(selection());
  };
  task.addEventListener('change', fillMetrics);
  for (const el of [kind, task, metric, brainDataset, internalMetric, internalDataset]) el.addEventListener('change', changed);
  for (const el of [brainRoi, brainLayer, internalLayer]) el.addEventListener('change', changed);
  for (const l of modelBoxes) l.querySelector('input')!.addEventListener('change', changed);
  showRows();

  mount(root,
    h('fieldset', { 'data-testid': 'model-list' }, h('legend', {}, 'Models'), modelBoxes),
    h('fieldset', { 'data-testid': 'signal-picker' }, h('legend', {}, 'Signal'), field('Kind', kind), taskRow, brainRow, internalRow,
      hasData ? null : h('p', { class: 'muted small' }, 'Brain and internal signals need an fMRI dataset; this warehouse has none.')));
  onChange(selection());
}
