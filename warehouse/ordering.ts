/** Which way a connection is sorted. */
export const SortDirection = { ASC: 'ASC', DESC: 'DESC' } as const;
export type SortDirection = (typeof SortDirection)[keyof typeof SortDirection];

/** A sort order of a connection: a field of its own kind and a direction. Plain data. */
export interface SortOrder<F extends string> {
  readonly field: F;
  readonly direction: SortDirection;
}
