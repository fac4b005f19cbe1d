import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { higherIsBetter, type Series } from '../compute/trajectories/compareSeries.js';
import { cpuPool } from '../services/cpu/CpuPool.js';
import { badInput } from '../errors/CortexError.js';
import { StepRange } from '../schema/Checkpoint.type.js';
import { GridInput, ModelComparison } from '../schema/Comparison.type.js';
import { AlignBy } from '../schema/enums.js';
import type { TrajectoryRow } from '../warehouse/taskScoresRepo.js';
import { SignalInput } from '../schema/Phases.type.js';
import { signalName, signalTrajectory } from '../services/phases.js';
import type { Context } from './context.js';
import { toSignalSpecs } from './PhaseResolver.js';
import { requireModel } from './ModelResolver.js';

const MAX_COMPARED = 16;

type TrajectoryLike = Pick<TrajectoryRow, 'step' | 'tokens' | 'fraction' | 'value' | 'stderr'>;

function axisValue(row: TrajectoryLike, alignBy: AlignBy): number | null {
  if (alignBy === AlignBy.STEP) return row.step;
  if (alignBy === AlignBy.TOKENS) return row.tokens;
  return row.fraction;
}

@Resolver()
export class CompareResolver {
  @Query(() => ModelComparison, {
    description:
      'Several models’ trajectories of one task (or task group) and metric on a common axis, their pairwise ' +
      'correlations, and each one’s best and final value.',
  })
  async compareModels(
    @Ctx() ctx: Context,
    @Arg('models', () => [ID]) models: string[],
    @Arg('task', () => String, { nullable: true, description: 'A task or task group (or give `signal`).' }) task: string | null,
    @Arg('metric', () => String, { defaultValue: 'acc' }) metric: string,
    @Arg('alignBy', () => AlignBy, { defaultValue: AlignBy.STEP }) alignBy: AlignBy,
    @Arg('grid', () => GridInput, { nullable: true }) grid: GridInput | null,
    @Arg('stepRange', () => StepRange, { nullable: true }) stepRange: StepRange | null,
    @Arg('higherIsBetter', () => Boolean, { nullable: true, description: 'Which way `best` looks; default from the metric (false for perplexity-like metrics).' })
    higher: boolean | null,
    @Arg('signal', () => SignalInput, { nullable: true, description: 'A brain-score or internal-metric signal instead of a task.' })
    signal: SignalInput | null,
  ): Promise<ModelComparison> {
    const ids = [...new Set(models)];
    if (ids.length < 1 || ids.length > MAX_COMPARED) throw badInput(`compare 1 to ${MAX_COMPARED} models (got ${ids.length})`, { argument: 'models' });
    if ((task === null || task === undefined) === (signal === null || signal === undefined)) {
      throw badInput('give either task or signal', { argument: 'task' });
    }
    const spec = signal ? toSignalSpecs([signal])[0]! : null;
    const loader = ctx.loaders.trajectory(task ?? '', metric, stepRange?.from, stepRange?.to);
    const inRange = (r: { step: number }) => r.step >= (stepRange?.from ?? -Infinity) && r.step <= (stepRange?.to ?? Infinity);
    const trajectories: TrajectoryLike[][] = await Promise.all(
      ids.map(async (id) => (spec ? (await signalTrajectory(ctx.wh, id, spec)).filter(inRange) : loader.load(id))),
    );
    const label = spec ? signalName(spec) : task!;
    // A model with rows exists; only an empty one needs the existence check (NOT_FOUND).
    await Promise.all(ids.filter((_, i) => trajectories[i]!.length === 0).map((id) => requireModel(ctx, id)));
    // Only points placed on the chosen axis take part (e.g. FRACTION needs a known final step).
    const placed = trajectories.map((rows) => rows.filter((r) => axisValue(r, alignBy) !== null));

    const series: Series[] = ids.map((id, i) => {
      const rows = placed[i]!;
      if (rows.length === 0) {
        throw badInput(`model '${id}' has no ${label}${spec ? '' : `/${metric}`} values placed on the ${alignBy} axis`, { model: id, alignBy });
      }
      return {
        key: id,
        x: Float64Array.from(rows, (r) => axisValue(r, alignBy)!),
        value: Float64Array.from(rows, (r) => r.value),
        stderr: Float64Array.from(rows, (r) => r.stderr ?? NaN),
      };
    });
    // Interpolation and correlations on a grid of up to 10,000 points run on the compute pool, off the event loop.
    const result = await cpuPool().run({ kind: 'compareSeries', series, options: { grid: grid ?? undefined, higherIsBetter: higher ?? higherIsBetter(metric) } }, ctx.signal);
    const stepAt = (i: number, idx: number) => (result.grid ? null : placed[i]![idx]!.step);

    return {
      alignBy,
      task: label,
      metric: spec ? (spec.kind === 'INTERNAL' ? spec.metric : spec.kind === 'BRAIN' ? spec.statistic : metric) : metric,
      grid: result.grid ? [...result.grid] : null,
      series: result.series.map((s, i) => ({
        modelId: s.key,
        points: [...s.x].map((x, idx) => ({
          x,
          step: stepAt(i, idx),
          value: Number.isFinite(s.value[idx]!) ? s.value[idx]! : null,
          stderr: result.grid ? null : finiteOrNull(series[i]!.stderr![idx]!),
        })),
        best: s.best && { x: s.best.x, value: s.best.value, step: stepAt(i, s.best.index) },
        final: s.final && { x: s.final.x, value: s.final.value, step: stepAt(i, s.final.index) },
      })),
      correlations: result.correlations.map((c) => ({ modelA: c.a, modelB: c.b, r: c.r, n: c.n, reason: c.reason })),
    };
  }
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
