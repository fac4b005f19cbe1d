import { defaultFieldResolver, getNullableType, isInterfaceType, isListType, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';

/**
 * graphql-js completes a response synchronously as long as resolvers return plain values: a
 * 25,000-point comparison or a dozen aliased schema walks is one uninterrupted stretch of the
 * event loop (measured 0.4–0.7 s on a busy 2-core machine), during which /healthz and every
 * other request wait. Every list field is therefore wrapped so the completion can yield: a list
 * longer than CHUNK is completed CHUNK items at a time (its later items are promises — graphql-js
 * completes a promised list item when it resolves); after each chunk the clock is checked, and
 * the next chunk waits for a later turn of the event loop (after other requests' I/O) only when
 * the current stretch has run longer than SLICE_MS. Short lists are left alone and a response
 * that fits in a slice completes in one turn, so DataLoader batches stay whole.
 *
 * The response is the same; only when its parts are computed changes. Introspection's list fields
 * (graphql-js's own types, shared by every schema in the process) are wrapped too, once.
 */
/**
 * Longest stretch of sliced work before the event loop gets a turn. Other callbacks (requests
 * arriving, reads completing) can run in the same turn, so a turn is a few slices long under
 * load: 10 ms keeps that well under /healthz's 50 ms goal (bench:hostile measured the main
 * thread's CPU per loop turn).
 */
export const SLICE_MS = 10;
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

/** Resolves after the microtasks queued so far (the completion of the chunk before) have run. */
function afterQueuedMicrotasks(): Promise<void> {
  return new Promise((resolve) => queueMicrotask(resolve));
}

/**
 * A later turn if the current stretch is over its slice, else undefined (go on in the same turn:
 * DataLoader batches stay whole). Shared by everything that slices work on the event loop
 * (list completion here, serialising responses in stringifySliced.ts): one clock, one queue.
 */
export function turnIfSliceOver(): Promise<void> | undefined {
  return performance.now() - sliceStart > SLICE_MS ? nextTurn() : undefined;
}

function chunked(items: readonly unknown[]): unknown[] {
  if (items.length <= CHUNK) return items as unknown[];
  const out = new Array<unknown>(items.length);
  // Over the slice already (many lists resolved in one stretch, e.g. aliases): even the first chunk waits.
  let gate: Promise<void> | null = performance.now() - sliceStart > SLICE_MS ? nextTurn() : null;
  for (let start = 0; start < items.length; start += CHUNK) {
    const end = Math.min(items.length, start + CHUNK);
    if (gate === null) {
      for (let i = start; i < end; i++) out[i] = items[i];
      gate = Promise.resolve();
      continue;
    }
    // Registered after the previous chunk's items: checks the clock once that chunk is complete.
    if (start > 0) gate = gate.then(afterQueuedMicrotasks).then(turnIfSliceOver);
    const released = gate;
    for (let i = start; i < end; i++) out[i] = released.then(() => items[i]);
  }
  return out;
}

function yielding(value: unknown): unknown {
  return Array.isArray(value) ? chunked(value) : value;
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
