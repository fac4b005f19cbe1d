import type { Warehouse } from '../warehouse/Warehouse.js';
import { createLoaders, type Loaders } from './loaders.js';

export interface ApiLimits {
  /** The largest `first` a connection accepts. */
  readonly maxPageSize: number;
  readonly maxDepth: number;
  readonly maxCost: number;
}

/** Per-request context: the warehouse and fresh DataLoaders (caches never outlive a request). */
export interface Context {
  readonly wh: Warehouse;
  readonly loaders: Loaders;
  readonly limits: ApiLimits;
}

export function createContext(wh: Warehouse, limits: ApiLimits): Context {
  return { wh, loaders: createLoaders(wh), limits };
}
