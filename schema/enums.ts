import { registerEnumType } from 'type-graphql';

export enum AlignBy {
  STEP = 'STEP',
  TOKENS = 'TOKENS',
  FRACTION = 'FRACTION',
}
registerEnumType(AlignBy, {
  name: 'AlignBy',
  description: 'The common axis on which models are compared.',
  valuesConfig: {
    STEP: { description: 'Optimizer steps.' },
    TOKENS: { description: 'Training tokens seen (step × tokens per step).' },
    FRACTION: { description: 'Fraction of the model’s own training run (step / final step).' },
  },
});

export enum GridScale {
  LINEAR = 'LINEAR',
  LOG = 'LOG',
}
registerEnumType(GridScale, { name: 'GridScale', description: 'Spacing of a shared interpolation grid.' });

export enum ScoreGroupBy {
  MODEL = 'MODEL',
  FAMILY = 'FAMILY',
  TASK = 'TASK',
  STEP = 'STEP',
}
registerEnumType(ScoreGroupBy, {
  name: 'ScoreGroupBy',
  description: 'Dimensions a task-score aggregate can be grouped by. TASK groups by the requested task or task-group names.',
});
