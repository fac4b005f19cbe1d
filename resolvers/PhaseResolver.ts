import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { DetectPhasesOptions, PhaseDetection } from '../compute/phases/detectPhases.js';
import { badInput } from '../errors/CortexError.js';
import { SignalRole, TrainingAxis } from '../schema/enums.js';
import { Model } from '../schema/Model.type.js';
import { PhaseComparisonType } from '../schema/PhaseComparison.type.js';
import { PhaseOptionsInput, SignalInput } from '../schema/Phases.input.js';
import { PhaseResult } from '../schema/Phases.type.js';
import { compareModelPhases, detectModelPhases, signalName, type SignalSpec } from '../services/phases.js';
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
      return { kind: 'TASK', task: s.task ?? '', metric: s.metric ?? 'acc', weight: s.weight };
    }
    if (s.kind === SignalRole.BRAIN) {
      need('dataset');
      return {
        kind: 'BRAIN', dataset: s.dataset ?? '', roi: s.roi ?? 'all', layer: s.layer ?? null, subject: s.subject ?? null,
        statistic: s.statistic ?? 'mean_r', paramsHash: s.paramsHash, weight: s.weight,
      };
    }
    need('metric');
    need('dataset');
    return { kind: 'INTERNAL', metric: s.metric ?? '', layer: s.layer ?? null, dataset: s.dataset ?? '', weight: s.weight };
  });
  if (problems.length) throw badInput(`invalid signals: ${problems.join('; ')}`, { problems });
  return specs;
}

function toOptions(o: PhaseOptionsInput | null): DetectPhasesOptions {
  return withoutNulls(o);
}

export function toPhaseResult(modelId: string, specs: readonly SignalSpec[], d: PhaseDetection): PhaseResult {
  return {
    modelId,
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

@Resolver(() => Model)
export class PhaseResolver {
  @Query(() => PhaseResult, {
    description:
      'Training phases of a model: exact piecewise-linear segmentation of z-scored signals with shared breakpoints, ' +
      'k chosen by BIC, bootstrap intervals, and labels (docs/phases.md). Cached until the data changes.',
  })
  async detectPhases(
    @Ctx() ctx: Context,
    @Arg('model', () => ID) model: string,
    @Arg('signals', () => [SignalInput]) signals: SignalInput[],
    @Arg('options', () => PhaseOptionsInput, { nullable: true }) options: PhaseOptionsInput | null,
  ): Promise<PhaseResult> {
    const specs = toSignalSpecs(signals);
    return toPhaseResult(model, specs, await detectModelPhases(ctx.wh, model, specs, toOptions(options), ctx.signal));
  }

  @FieldResolver(() => PhaseResult, { description: 'This model’s training phases (see Query.detectPhases).' })
  async phases(
    @Root() root: Model,
    @Ctx() ctx: Context,
    @Arg('signals', () => [SignalInput]) signals: SignalInput[],
    @Arg('options', () => PhaseOptionsInput, { nullable: true }) options: PhaseOptionsInput | null,
  ): Promise<PhaseResult> {
    return this.detectPhases(ctx, root.id, signals, options);
  }

  @Query(() => PhaseComparisonType, {
    description: 'Phases of several models: boundaries on a common axis, pairwise boundary differences, trajectory correlations.',
  })
  async comparePhases(
    @Ctx() ctx: Context,
    @Arg('models', () => [ID]) models: string[],
    @Arg('signals', () => [SignalInput]) signals: SignalInput[],
    @Arg('alignBy', () => TrainingAxis, { defaultValue: TrainingAxis.TOKENS }) alignBy: TrainingAxis,
    @Arg('options', () => PhaseOptionsInput, { nullable: true }) options: PhaseOptionsInput | null,
  ): Promise<PhaseComparisonType> {
    const specs = toSignalSpecs(signals);
    const cmp = await compareModelPhases(ctx.wh, [...new Set(models)], specs, alignBy, toOptions(options), ctx.signal);
    return {
      alignBy: cmp.alignBy,
      models: cmp.models.map((m) => ({ modelId: m.modelId, boundaries: m.boundaries, phases: toPhaseResult(m.modelId, specs, m.detection) })),
      boundaryDifferences: cmp.boundaryDifferences.map((d) => ({ ...d })),
      correlations: cmp.correlations.map((c) => ({ ...c })),
    };
  }
}
