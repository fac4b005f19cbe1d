/**
 * Operation names that get their own label in /metrics: the documents this project ships (the
 * dashboard's, the Python client's and the CLI's). Any other name — clients choose names freely — is
 * counted as `other`, so the number of time series stays fixed whatever clients send.
 * test/server/knownOperations.test.ts checks that every shipped document is listed.
 */
export const KNOWN_OPERATIONS: ReadonlySet<string> = new Set([
  // dashboard/src
  'DashboardCatalog',
  'DashboardCompare',
  'DashboardComparePhases',
  'DashboardLayerProfiles',
  'DashboardLeaderboard',
  'DashboardPhases',
  // clients/python/cortexql
  'Trajectories',
  'Compare',
  'Phases',
  'Brain',
  'Internal',
  'Models',
  'Tasks',
  'Datasets',
  'Rois',
  'Jobs',
  // cli/ (commands that go through a running server)
  'CliCreateKey',
  'CliRevokeKey',
  'CliListKeys',
  'CliExport',
  'CliImportEvals',
  'CliImportFmri',
  'CliImportFeatures',
  'CliImportBundle',
  'CliRegisterModel',
  'CliRegisterCheckpoints',
]);

/** The metric label of an operation: its name when it is a known one, else `other` (`anonymous` without a name). */
export function operationLabel(name: string | null | undefined): string {
  if (name === null || name === undefined) return 'anonymous';
  return KNOWN_OPERATIONS.has(name) ? name : 'other';
}
