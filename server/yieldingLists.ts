import { defaultFieldResolver, getNullableType, isInterfaceType, isListType, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';

/**
 * graphql-js completes a response synchronously as long as resolvers return plain values: a
 * 25,000-point comparison or a dozen aliased schema walks is one uninterrupted stretch of the
 * event loop (measured 0.4–0.7 s on a busy 2-core machine), during which /healthz and every
 * other request wait. Every list field is therefore wrapped so the completion yields:
 *
 * - when the current stretch has run longer than SLICE_MS, a list is handed back as a promise
 *   resolved on the next turn of the event loop (setImmediate), so other requests' I/O runs first;
 * - a list longer than CHUNK is completed CHUNK items per turn (its later items are promises,
 *   each chunk released one turn after the one before — graphql-js completes a promised list
 *   item when it resolves).
 *
 * The response is the same; only when its parts are computed changes. Introspection's list fields
 * (graphql-js's own types, shared by every schema in the process) are wrapped too, once.
 */
export const SLICE_MS = 5;
export const CHUNK = 64;

let sliceStart = performance.now();
const waiting: (() => void)[] = [];
let scheduled = false;

/**
 * Resolves on a later turn of the event loop. Waiters are released ONE per turn: releasing many
 * in one turn would run all their completions back to back (each is a microtask cascade), which
 * is the long stretch this avoids. Between two releases the loop polls I/O.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!scheduled) {
      scheduled = true;
      setImmediate(release);
    }
  });
}

function release(): void {
  sliceStart = performance.now();
  const next = waiting.shift();
  // Scheduled from a check-phase callback: runs on the next turn, after I/O.
  scheduled = waiting.length > 0;
  if (scheduled) setImmediate(release);
  next?.();
}

function chunked(items: readonly unknown[]): unknown[] {
  if (items.length <= CHUNK) return items as unknown[];
  const out = new Array<unknown>(items.length);
  let gate: Promise<void> = Promise.resolve();
  for (let start = 0; start < items.length; start += CHUNK) {
    const end = Math.min(items.length, start + CHUNK);
    if (start === 0) {
      for (let i = 0; i < end; i++) out[i] = items[i];
      continue;
    }
    // Registered before the next chunk's gate, so a chunk completes before the next turn is asked for.
    gate = gate.then(nextTurn);
    const released = gate;
    for (let i = start; i < end; i++) out[i] = released.then(() => items[i]);
  }
  return out;
}

function yielding(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  if (performance.now() - sliceStart > SLICE_MS) return nextTurn().then(() => chunked(value));
  return chunked(value);
}

const WRAPPED = Symbol('cortexql.yieldingList');

/** Wraps the resolver of every list-typed field of `schema` (idempotent). */
export function yieldingLists(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) && !isInterfaceType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      if (!isListType(getNullableType(field.type))) continue;
      const resolve = field.resolve as (GraphQLFieldResolver<unknown, unknown> & { [WRAPPED]?: true }) | undefined;
      if (resolve?.[WRAPPED]) continue;
      const inner = resolve ?? defaultFieldResolver;
      const wrapped: GraphQLFieldResolver<unknown, unknown> & { [WRAPPED]?: true } = (source, args, context, info) => {
        const result = inner(source, args, context, info);
        return result instanceof Promise ? result.then(yielding) : yielding(result);
      };
      wrapped[WRAPPED] = true;
      field.resolve = wrapped;
    }
  }
  return schema;
}
