/**
 * An input object without its null or absent fields. GraphQL hands a resolver `null` for an
 * input field given as null, where the layers below expect the field absent so that their
 * defaults apply (and so that cache keys do not depend on how a default was spelled).
 */
export function withoutNulls<T extends object>(input: T | null | undefined): { [K in keyof T]?: Exclude<T[K], null | undefined> } {
  return Object.fromEntries(Object.entries(input ?? {}).filter(([, v]) => v !== undefined && v !== null)) as { [K in keyof T]?: Exclude<T[K], null | undefined> };
}
