import type { GraphQLResolveInfo } from 'graphql';
import { badInput } from '../errors/CortexError.js';
import type { PageInfo } from '../schema/connection.js';

/** Cursors are opaque to clients: base64url of "<kind>:<position>". */
export function encodeCursor(kind: string, position: string | number): string {
  return Buffer.from(`${kind}:${position}`, 'utf8').toString('base64url');
}

export function decodeCursor(kind: string, cursor: string | null | undefined): string | null {
  if (cursor === null || cursor === undefined) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(`${kind}:`)) throw badInput(`'after' is not a ${kind} cursor from this API`, { argument: 'after' });
  return text.slice(kind.length + 1);
}

export function decodeStepCursor(cursor: string | null | undefined): number | undefined {
  const raw = decodeCursor('step', cursor);
  if (raw === null) return undefined;
  const step = Number(raw);
  if (!Number.isInteger(step)) throw badInput("'after' is not a checkpoint cursor from this API", { argument: 'after' });
  return step;
}

/** `first` is required and capped, so no request can ask for an unbounded page. */
export function checkFirst(first: number, max: number): number {
  if (!Number.isInteger(first) || first < 1 || first > max) {
    throw badInput(`'first' must be between 1 and ${max} (got ${first})`, { argument: 'first', max });
  }
  return first;
}

/** Builds a Relay page from `limit + 1` fetched rows. */
export function toPage<R, N>(
  rows: readonly R[],
  limit: number,
  cursorOf: (row: R) => string,
  toNode: (row: R) => N,
): { edges: { cursor: string; node: N }[]; nodes: N[]; pageInfo: PageInfo } {
  const page = rows.slice(0, limit);
  const edges = page.map((row) => ({ cursor: cursorOf(row), node: toNode(row) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage: rows.length > limit,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/**
 * Whether the query selects `name` on this field's result (fragments count as yes), so an
 * expensive part of a connection, such as a count over all pages, runs only when asked for.
 */
export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  return info.fieldNodes.some((node) =>
    node.selectionSet?.selections.some((s) => s.kind !== 'Field' || s.name.value === name),
  );
}
