import type { WarehouseStats } from '../../warehouse/statsRepo.js';
import { likeMatcher, taskPatterns } from '../../warehouse/taskGroups.js';

/**
 * The API's cost model: what a field makes the server do, priced from its arguments and the
 * warehouse's table sizes before anything runs. One unit ≈ one microsecond of server work (CPU
 * in the compute pool, DuckDB, or building the response); the constants below were measured
 * on the demo warehouse (test/server/costModel.test.ts checks that the ordering holds, and
 * `npm run bench:hostile` prints the timings). A reader's default ceiling, 200,000, is thus
 * about 0.2 s of work.
 *
 * Every field costs 1 plus what its selection costs; a field without a rule here is priced
 * that way (its list, if any, counts once). A field named here states its formula, which is
 * appended to its description in the schema (server/schema.ts), so clients read the same rule
 * the server applies.
 */
export interface PriceInput {
  /** The field's coerced arguments (defaults applied, variables substituted). */
  readonly args: Readonly<Record<string, unknown>>;
  /** Cost of one item of the field's selection set. */
  readonly childCost: number;
  readonly stats: WarehouseStats;
}

export interface FieldPrice {
  /** The formula in words, for the field's description and the README. */
  readonly formula: string;
  readonly price: (input: PriceInput) => number;
}

/** One DuckDB statement with its round trip (≈ 0.1–1 ms measured); charged for reads a field cannot batch. */
export const STATEMENT = 500;
/** Fixed work of one exact segmentation fit (buffers, labels), in units. */
export const FIT_BASE = 40;
/** Segmentation ops per unit (a cost-matrix entry or a DP cell per signal): measured 35–95 per µs. */
export const FIT_OPS_PER_UNIT = 50;
/** The continuous (branch-and-bound) fit costs this many times the discontinuous one, or less (measured 5–35×). */
export const CONTINUOUS_FACTOR = 20;
/** task_scores rows DuckDB scans per unit (a vectorised filter) and matched rows joined per unit. */
export const SCAN_ROWS_PER_UNIT = 20;
export const MATCH_ROWS_PER_UNIT = 1;

/**
 * compareModels builds its points as objects after the worker answers and they are serialised on
 * the event loop: measured about 3× a plain field's time per point field (test/server/costModel.test.ts).
 */
export const POINT_OUTPUT_FACTOR = 3;

const DEFAULT_PHASE = { bootstrap: 200, kMax: 4, minSize: 4 } as const;

const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/**
 * Work of one phase detection in units: (1 + B) fits, each FIT_BASE + n²·(S + K + 1) / (2·FIT_OPS_PER_UNIT),
 * × CONTINUOUS_FACTOR for the continuous fit. n = the model's checkpoints, S = signals, K = the
 * largest k tried (k, or kMax capped at n / minSize − 1), B = bootstrap replicates.
 */
export function phaseWork(n: number, signals: number, options: Record<string, unknown>): number {
  const minSize = Math.max(2, num(options.minSize, DEFAULT_PHASE.minSize));
  const k = options.k !== undefined && options.k !== null ? num(options.k, 0) : Math.min(num(options.kMax, DEFAULT_PHASE.kMax), Math.floor(n / minSize) - 1);
  const K = Math.max(0, Math.min(k, n));
  const replicates = Math.max(0, num(options.bootstrap, DEFAULT_PHASE.bootstrap));
  const fit = FIT_BASE + (n * n * (Math.max(1, signals) + K + 1)) / (2 * FIT_OPS_PER_UNIT);
  return Math.ceil((1 + replicates) * fit * (options.continuous === true ? CONTINUOUS_FACTOR : 1));
}

function phasePrice(n: number, args: Readonly<Record<string, unknown>>): number {
  const signals = list(args.signals).length;
  return STATEMENT * (2 + signals) + phaseWork(n, signals, obj(args.options));
}

/** task_scores rows an aggregate matches: the smaller of its models' rows and its tasks' rows (task groups expanded). */
export function aggregateMatchedRows(where: Record<string, unknown>, stats: WarehouseStats): number {
  const models = where.models ? list(where.models).map(String) : null;
  const byModels = models ? models.reduce((s, m) => s + (stats.taskRowsByModel.get(m) ?? 0), 0) : stats.taskRows;
  return Math.min(byModels, taskRowsOf(list(where.tasks).map(String), stats));
}

/** Memo of taskRowsOf per table-size snapshot: aliases repeat the same task lists, and a group's expansion is not free. */
const TASK_ROWS = new WeakMap<WarehouseStats, Map<string, number>>();
const TASK_ROWS_ENTRIES = 1024;

/** task_scores rows of the stored tasks that any of `tasks` selects (itself, or a group's leaves). */
function taskRowsOf(tasks: readonly string[], stats: WarehouseStats): number {
  const key = JSON.stringify([...new Set(tasks)].sort());
  let memo = TASK_ROWS.get(stats);
  if (!memo) TASK_ROWS.set(stats, (memo = new Map()));
  const hit = memo.get(key);
  if (hit !== undefined) return hit;
  const matcher = likeMatcher([...new Set(tasks)].flatMap((t) => taskPatterns(t)));
  let rows = 0;
  for (const [task, n] of stats.taskRowsByTask) if (matcher.test(task)) rows += n;
  if (memo.size >= TASK_ROWS_ENTRIES) memo.clear(); // client-chosen keys: bounded
  memo.set(key, rows);
  return rows;
}

/** Points a compared series has: the grid's, or the most checkpoints any of the models has. */
function comparedPoints(args: Readonly<Record<string, unknown>>, stats: WarehouseStats): number {
  const grid = obj(args.grid);
  if (typeof grid.points === 'number') return grid.points;
  const models = list(args.models).map(String);
  return Math.max(1, ...models.map((m) => stats.checkpointsByModel.get(m) ?? 0));
}

const connection: FieldPrice = {
  formula: '1 + first × (cost of one node)',
  price: ({ args, childCost }) => 1 + num(args.first, 1) * childCost,
};

const trajectory: FieldPrice = {
  formula: `${STATEMENT} + C × (cost of one point), C = the most checkpoints any model has`,
  price: ({ childCost, stats }) => STATEMENT + Math.max(1, stats.maxCheckpoints) * childCost,
};

/** Priced fields by schema coordinate. Connections (a `first` argument, a …Connection type) are priced generically. */
export const FIELD_PRICES: Readonly<Record<string, FieldPrice>> = {
  'Query.detectPhases': {
    formula:
      `${STATEMENT} × (2 + S) + (1 + B) × (${FIT_BASE} + n² × (S + K + 1) / ${2 * FIT_OPS_PER_UNIT}) [× ${CONTINUOUS_FACTOR} when continuous] + (cost of the selection), ` +
      'n = the model’s checkpoints, S = signals, K = k or min(kMax, n / minSize − 1), B = bootstrap replicates',
    price: ({ args, childCost, stats }) => phasePrice(stats.checkpointsByModel.get(String(args.model)) ?? 0, args) + childCost,
  },
  'Model.phases': {
    formula: 'as Query.detectPhases, with n = the most checkpoints any model has',
    price: ({ args, childCost, stats }) => phasePrice(stats.maxCheckpoints, args) + childCost,
  },
  'Query.comparePhases': {
    formula: 'the sum of Query.detectPhases over the models + models × (cost of the selection)',
    price: ({ args, childCost, stats }) => {
      const models = [...new Set(list(args.models).map(String))];
      return models.reduce((s, m) => s + phasePrice(stats.checkpointsByModel.get(m) ?? 0, args), 0) + Math.max(1, models.length) * childCost;
    },
  },
  'Query.compareModels': {
    formula:
      `${STATEMENT} × M + M × P + M² × P / 8 + ${POINT_OUTPUT_FACTOR} × M × P × (cost of the selection), M = models, ` +
      'P = grid.points, or without a grid the most checkpoints any of the models has ' +
      `(each point's fields ×${POINT_OUTPUT_FACTOR}: the points are built and serialised on the event loop)`,
    price: ({ args, childCost, stats }) => {
      const M = Math.max(1, new Set(list(args.models)).size);
      const P = comparedPoints(args, stats);
      return STATEMENT * M + M * P + Math.ceil((M * M * P) / 8) + POINT_OUTPUT_FACTOR * M * P * childCost;
    },
  },
  'Query.taskScoreAggregate': {
    formula:
      `${STATEMENT} + (task_scores rows) / ${SCAN_ROWS_PER_UNIT} + R / ${MATCH_ROWS_PER_UNIT} + min(R, groups) × (cost of one row), ` +
      'R = rows matching the models and tasks filters (task groups expanded), groups = the product of the grouped dimensions’ sizes',
    price: ({ args, childCost, stats }) => {
      const where = obj(args.where);
      const matched = aggregateMatchedRows(where, stats);
      const dims: Record<string, number> = {
        MODEL: where.models ? list(where.models).length : stats.models,
        FAMILY: stats.models,
        TASK: list(where.tasks).length,
        STEP: stats.maxCheckpoints,
      };
      const groups = [...new Set(list(args.groupBy).map(String))].reduce((p, g) => p * Math.max(1, dims[g] ?? 1), 1);
      return STATEMENT + Math.ceil(stats.taskRows / SCAN_ROWS_PER_UNIT + matched / MATCH_ROWS_PER_UNIT) + Math.min(Math.max(1, matched), groups) * childCost;
    },
  },
  'Query.tasks': {
    formula: `${STATEMENT} + (task_scores rows) / ${SCAN_ROWS_PER_UNIT} + T × (cost of one task), T = stored tasks`,
    price: ({ childCost, stats }) => STATEMENT + Math.ceil(stats.taskRows / SCAN_ROWS_PER_UNIT) + Math.max(1, stats.taskRowsByTask.size) * childCost,
  },
  'Query.evalDuplicates': {
    formula:
      `${STATEMENT} + (task_scores rows) / ${SCAN_ROWS_PER_UNIT} + R × M / ${MATCH_ROWS_PER_UNIT} + first × (cost of one pair), ` +
      'R = the task_scores rows of the models, M = models (each row is compared with the other models\' rows at its step)',
    price: ({ args, childCost, stats }) => {
      const models = [...new Set(list(args.models).map(String))];
      const rows = models.reduce((s, m) => s + (stats.taskRowsByModel.get(m) ?? 0), 0);
      return STATEMENT + Math.ceil(stats.taskRows / SCAN_ROWS_PER_UNIT + (rows * Math.max(1, models.length)) / MATCH_ROWS_PER_UNIT) + num(args.first, 100) * childCost;
    },
  },
  'Model.taskTrajectory': trajectory,
  'Model.brainTrajectory': trajectory,
  'Model.internalTrajectory': trajectory,
  'Checkpoint.layerProfile': {
    formula: '1 + L × (cost of one layer), L = the most layers any model has',
    price: ({ childCost, stats }) => 1 + Math.max(1, stats.maxLayers) * childCost,
  },
};

/** The price of a field at `coordinate` ("Type.field"); connections by `first`, anything else 1 + its selection. */
export function fieldPrice(coordinate: string, returnsConnection: boolean): FieldPrice | null {
  return FIELD_PRICES[coordinate] ?? (returnsConnection ? connection : null);
}
