/** The GraphQL documents the dashboard sends, with the shapes it reads back (schema.graphql). */

export interface ModelInfo {
  id: string;
  family: string | null;
  params: number | null;
  nLayers: number | null;
  finalStep: number | null;
  /** Layers the model has (Model.layers): what layer pickers offer. */
  layers: number[];
}
export interface Catalog {
  models: { nodes: ModelInfo[] };
  tasks: { task: string; metrics: string[] }[];
  taskGroups: { name: string; patterns: string[]; description: string }[];
  datasets: { id: string; subjects: string[]; rois: { name: string; nVoxels: number }[] }[];
}
export const CATALOG = /* GraphQL */ `
  query DashboardCatalog {
    models(first: 500) { nodes { id family params nLayers finalStep layers } }
    tasks { task metrics }
    taskGroups { name patterns description }
    datasets { id subjects rois { name nVoxels } }
  }`;

export interface SeriesPoint { x: number; step: number | null; value: number | null; stderr: number | null }
export interface Extremum { x: number; step: number | null; value: number }
export interface ComparedSeries { modelId: string; points: SeriesPoint[]; best: Extremum | null; final: Extremum | null }
export interface Correlation { modelA: string; modelB: string; r: number | null; n: number; reason: string | null }
export interface Comparison { alignBy: 'STEP' | 'TOKENS' | 'FRACTION'; series: ComparedSeries[]; correlations: Correlation[] }
export type AlignBy = Comparison['alignBy'];
export const COMPARE = /* GraphQL */ `
  query DashboardCompare($models: [ID!]!, $task: String, $metric: String!, $signal: SignalInput, $alignBy: AlignBy!) {
    compareModels(models: $models, task: $task, metric: $metric, signal: $signal, alignBy: $alignBy) {
      alignBy
      series { modelId points { x step value stderr } best { x step value } final { x step value } }
      correlations { modelA modelB r n reason }
    }
  }`;

export interface PhaseSegment { index: number; label: string; startStep: number; endStep: number; startX: number; endX: number; nPoints: number }
export interface PhaseBreakpoint {
  step: number;
  x: number;
  ci: { lowStep: number; highStep: number; lowX: number; highX: number; level: number } | null;
}
export interface PhaseResult {
  modelId: string;
  axis: string;
  k: number;
  kSelectedBy: string;
  breakpoints: PhaseBreakpoint[];
  segments: PhaseSegment[];
  excluded: { step: number; reason: string }[];
}
export const PHASES = /* GraphQL */ `
  query DashboardPhases($model: ID!, $signals: [SignalInput!]!) {
    detectPhases(model: $model, signals: $signals, options: { bootstrap: 200, seed: 0 }) {
      modelId axis k kSelectedBy
      breakpoints { step x ci { lowStep highStep lowX highX level } }
      segments { index label startStep endStep startX endX nPoints }
      excluded { step reason }
    }
  }`;

export interface PhaseComparison {
  alignBy: string;
  models: { modelId: string; boundaries: (number | null)[]; phases: { k: number } }[];
  boundaryDifferences: { modelA: string; modelB: string; differences: number[] | null; log10Ratios: (number | null)[] | null; reason: string | null }[];
}
export const COMPARE_PHASES = /* GraphQL */ `
  query DashboardComparePhases($models: [ID!]!, $signals: [SignalInput!]!, $alignBy: AlignBy!) {
    comparePhases(models: $models, signals: $signals, alignBy: $alignBy, options: { bootstrap: 0 }) {
      alignBy
      models { modelId boundaries phases { k } }
      boundaryDifferences { modelA modelB differences log10Ratios reason }
    }
  }`;

export interface ProfileCheckpoint { step: number; tokens: number | null; layerProfile: { layer: number; value: number | null; nSubjects: number }[] }
export interface ProfilePage {
  model: {
    nLayers: number | null;
    checkpoints: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: ProfileCheckpoint[] };
  };
}
export const LAYER_PROFILES = /* GraphQL */ `
  query DashboardLayerProfiles($model: ID!, $dataset: ID!, $roi: String!, $after: String) {
    model(id: $model) {
      nLayers
      checkpoints(first: 200, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { step tokens layerProfile(dataset: $dataset, roi: $roi) { layer value nSubjects } }
      }
    }
  }`;

export interface LeaderboardRow {
  rank: number | null;
  modelId: string;
  family: string | null;
  params: number | null;
  checkpoints: number;
  brain: { value: number; step: number; tokens: number | null; layer: number; scoredCheckpoints: number } | null;
  brainReason: string | null;
  tasks: { task: string; metric: string; value: number | null; stderr: number | null; step: number | null; reason: string | null }[];
  phases: { k: number; boundaries: number[]; labels: string[]; signals: string[] } | null;
  phasesReason: string | null;
}
export interface Leaderboard { rankedBy: string; tasks: string[]; metric: string; rows: LeaderboardRow[] }
export const LEADERBOARD = /* GraphQL */ `
  query DashboardLeaderboard($dataset: ID, $roi: String!, $statistic: BrainStatistic!, $tasks: [String!]!, $phases: Boolean!) {
    leaderboard(dataset: $dataset, roi: $roi, statistic: $statistic, tasks: $tasks, phases: $phases) {
      rankedBy tasks metric
      rows {
        rank modelId family params checkpoints
        brain { value step tokens layer scoredCheckpoints } brainReason
        tasks { task metric value stderr step reason }
        phases { k boundaries labels signals } phasesReason
      }
    }
  }`;
