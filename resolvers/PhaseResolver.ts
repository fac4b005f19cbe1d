import { Arg, Args, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { DetectPhasesOptions, PhaseDetection } from '../compute/phases/detectPhases.js';
import { badInput } from '../errors/CortexError.js';
import { SignalRole, TrainingAxis } from '../schema/enums.js';
import { Model } from '../schema/Model.type.js';
import { PhaseComparisonType } from '../schema/PhaseComparison.type.js';
import { PhaseOptionsInput, SignalInput } from '../schema/Phases.input.js';
import { PhaseResult } from '../schema/Phases.type.js';
import { LazyArgs } from '../schema/BrainCellArgs.js';
import { compareModelPhases, phasesOfModel, signalName, type CheckpointGap, type SignalCellAccess, type SignalSpec } from '../services/phases.js';
import { lazyOptions } from './BrainResolver.js';
import type { Context } from './context.js';
import { withoutNulls } from './withoutNulls.js';

/** SignalInput → SignalSpec, reporting every missing field at once. */
export function toSignalSpecs(inputs: readonly SignalInput[]): SignalSpec[] {
  const problems: string[] = [];
  const specs = inputs.map((s, i): SignalSpec => {
    const need = (field: keyof SignalInput) => {
      if (s[field] === undefined || s[field] === null) problems.push(`signals[${i}] (${s.kind}) needs ${field}`);
    };
    if (s.kind === SignalRole.TASK) {
      need('task');
      return { kind: 'TASK', task: s.task ?? '', metric: s.metric ?? 'acc', weight: s.weight, minDelta: s.minDelta };
    }
    if (s.kind === SignalRole.BRAIN) {
      need('dataset');
      return {
        kind: 'BRAIN', dataset: s.dataset ?? '', roi: s.roi ?? 'all', layer: s.layer ?? null, subject: s.subject ?? null,
        statistic: s.statistic ?? 'mean_r', paramsHash: s.paramsHash, weight: s.weight, minDelta: s.minDelta,
      };
    }
    need('metric');
    need('dataset');
    return { kind: 'INTERNAL', metric: s.metric ?? '', layer: s.layer ?? null, dataset: s.dataset ?? '', weight: s.weight, minDelta: s.minDelta };
  });
  if (problems.length) throw badInput(`invalid signals: ${problems.join('; ')}`, { problems });
  return specs;
}

function toOptions(o: PhaseOptionsInput | null): DetectPhasesOptions {
  return withoutNulls(o);
}

export function toPhaseResult(modelId: string, specs: readonly SignalSpec[], d: PhaseDetection, gaps: readonly CheckpointGap[]): PhaseResult {
  return {
    modelId,
    gaps: gaps.map((g) => ({ ...g })),
    axis: d.axis,
    k: d.k,
    kSelectedBy: d.kSelectedBy,
    bicByK: d.bicByK.map((b) => ({ ...b })),
    signals: specs.map(signalName),
    breakpoints: d.breakpoints.map((b) => ({ step: b.step, tokens: b.tokens, x: b.x, ci: b.ci && { ...b.ci } })),
    segments: d.segments.map((s) => ({ ...s, label: s.label, slopes: s.slopes.map((sl) => ({ ...sl })) })),
    excluded: d.excluded.map((e) => ({ ...e })),
    triplePattern: { ...d.triplePattern },
  };
}

function cellAccess(ctx: Context, lazy: LazyArgs): SignalCellAccess {
  return { cells: ctx.cells, lazy: lazyOptions(lazy) };
}

@Resolver(() => Model)
export class PhaseResolver {
  @Query(() => PhaseResult, {
    nullable: true,
    description:
      'Training phases of a model: exact piecewise-linear segmentation of z-scored signals with shared breakpoints, ' +
      'k chosen by BIC, bootstrap intervals, and labels (docs/phases.md). Cached until the data changes. Brain and internal ' +
      'signals read their cells under `policy` (missing ones start, or are awaited) and report the checkpoints they lack in `gaps`.',
  })
  async detectPhases(
    @Ctx() ctx: Context,
    @Arg('model', () => ID, { description: 'The model id.' }) model: string,
    @Arg('signals', () => [SignalInput], { description: '1 to 8 signals segmented together (shared breakpoints).' }) signals: SignalInput[],
    @Arg('options', () => PhaseOptionsInput, { nullable: true, description: 'Detection options (defaults in their descriptions).' }) options: PhaseOptionsInput | null,
    @Args(() => LazyArgs) lazy: LazyArgs,
  ): Promise<PhaseResult> {
    const specs = toSignalSpecs(signals);
    const { detection, gaps } = await phasesOfModel(ctx.wh, model, specs, toOptions(options), cellAccess(ctx, lazy), ctx.signal);
    return toPhaseResult(model, specs, detection, gaps);
  }

  @FieldResolver(() => PhaseResult, { description: 'This model’s training phases (see Query.detectPhases).' })
  async phases(
    @Root() root: Model,
    @Ctx() ctx: Context,
    @Arg('signals', () => [SignalInput], { description: '1 to 8 signals segmented together (shared breakpoints).' }) signals: SignalInput[],
    @Arg('options', () => PhaseOptionsInput, { nullable: true, description: 'Detection options (defaults in their descriptions).' }) options: PhaseOptionsInput | null,
    @Args(() => LazyArgs) lazy: LazyArgs,
  ): Promise<PhaseResult> {
    return this.detectPhases(ctx, root.id, signals, options, lazy);
  }

  @Query(() => PhaseComparisonType, {
    nullable: true,
    description:
      'Phases of several models: boundaries on a common axis, pairwise boundary differences, trajectory correlations. ' +
      'Brain and internal signals read their cells under `policy`, like detectPhases.',
  })
  async comparePhases(
    @Ctx() ctx: Context,
    @Arg('models', () => [ID], { description: '2 to 16 model ids.' }) models: string[],
    @Arg('signals', () => [SignalInput], { description: '1 to 8 signals, the same for every model.' }) signals: SignalInput[],
    @Arg('alignBy', () => TrainingAxis, { defaultValue: TrainingAxis.TOKENS, description: 'The common axis the boundaries are compared on.' }) alignBy: TrainingAxis,
    @Arg('options', () => PhaseOptionsInput, { nullable: true, description: 'Detection options, the same for every model.' }) options: PhaseOptionsInput | null,
    @Args(() => LazyArgs) lazy: LazyArgs,
  ): Promise<PhaseComparisonType> {
    const specs = toSignalSpecs(signals);
    const cmp = await compareModelPhases(ctx.wh, [...new Set(models)], specs, alignBy, toOptions(options), cellAccess(ctx, lazy), ctx.signal);
    return {
      alignBy: cmp.alignBy,
      models: cmp.models.map((m) => ({ modelId: m.modelId, boundaries: m.boundaries, phases: toPhaseResult(m.modelId, specs, m.detection, m.gaps) })),
      boundaryDifferences: cmp.boundaryDifferences.map((d) => ({ ...d })),
      correlations: cmp.correlations.map((c) => ({ ...c })),
    };
  }
}
