import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** `fragment F0 on Query { __typename ...F1 ...F1 } …`: 2^levels fields once expanded, a few hundred bytes. */
function fragmentBomb(levels: number): string {
  let doc = 'query Bomb { ...F0 }\n';
  for (let i = 0; i < levels; i++) doc += `fragment F${i} on Query { __typename ...F${i + 1} ...F${i + 1} }\n`;
  return `${doc}fragment F${levels} on Query { __typename }`;
}

const nested = (levels: number) => `{${'a{'.repeat(levels)}b${'}'.repeat(levels)}}`;
const aliases = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
// GraphiQL 3 asks for everything graphql-js can introspect.
const GRAPHIQL_INTROSPECTION = getIntrospectionQuery({
  descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true,
});

describe('document limits: one linear analysis, refusals with a code in milliseconds', () => {
  let t: TestServer;
  // The defaults a real server runs with (depth 12), anonymous reader.
  beforeAll(async () => {
    t = await startTestServer({ limits: { maxDepth: 12, maxCost: 200_000, maxPageSize: 500 } });
  });
  afterAll(() => t.close());

  /** Sends a bomb while /healthz is polled; returns the bomb's answer and the slowest health check. */
  async function underWatch(query: string, variables?: Record<string, unknown>) {
    let stop = false;
    let slowest = 0;
    let checks = 0;
    const watcher = (async () => {
      while (!stop) {
        const t0 = performance.now();
        const res = await fetch(new URL('/healthz', t.server.url));
        expect(res.status).toBe(200);
        await res.arrayBuffer();
        slowest = Math.max(slowest, performance.now() - t0);
        checks++;
      }
    })();
    const t0 = performance.now();
    const res = await t.gql(query, variables);
    const ms = performance.now() - t0;
    stop = true;
    await watcher;
    return { ...res, ms, slowest, checks };
  }

  // The sanity bound catches exponential blow-ups (the 25-level bomb used to run > 180 s); the real timings are in bench/hostile.ts.
  const SANE_MS = 2_000;

  it.each([25, 30, 60])('refuses a %i-level fragment bomb as FIELD_LIMIT, quickly, while /healthz answers', async (levels) => {
    const r = await underWatch(fragmentBomb(levels));
    expect(r.status).toBe(400);
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors?.[0].extensions).toMatchObject({ code: 'FIELD_LIMIT', maxFields: 5000 });
    expect(r.ms).toBeLessThan(SANE_MS);
    expect(r.slowest).toBeLessThan(SANE_MS);
    expect(r.checks).toBeGreaterThan(0);
  });

  it('refuses 5,000-deep nesting with DEPTH_LIMIT, not a stack overflow', async () => {
    const r = await underWatch(nested(5000));
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]).toEqual({
      message: 'the document nests more than 36 levels of braces, parentheses or brackets',
      extensions: { code: 'DEPTH_LIMIT', maxNesting: 36 },
    });
    expect(r.ms).toBeLessThan(SANE_MS);
  });

  it('refuses a huge document with TOKEN_LIMIT before parsing it', async () => {
    const huge = `{ ${'__typename '.repeat(200_000)}}`; // 2.2 MB
    const r = await underWatch(huge);
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0].extensions).toEqual({ code: 'TOKEN_LIMIT', maxTokens: 5000 });
    expect(r.ms).toBeLessThan(SANE_MS);
  });

  it('refuses 1,000 aliases (ALIAS_LIMIT, counted through fragments) and prices aliased introspection', async () => {
    // Under the token limit: 1,000 aliases spread through two fragments used twice each.
    const doc = `{ ...A ...B } fragment A on Query { ${Array.from({ length: 250 }, (_, i) => `a${i}: __typename`).join(' ')} } fragment B on Query { ...A }`;
    const r = await underWatch(doc.replace('{ ...A ...B }', '{ ...A ...B ...A ...B }'));
    expect(r.body.errors?.[0].extensions).toEqual({ code: 'ALIAS_LIMIT', aliases: 1000, maxAliases: 200 });
    // 150 aliases of an introspection subtree pass the alias limit but not the cost: each walks the whole schema.
    const intro = aliases(150, '__schema { types { name fields { name args { name type { name } } } } }');
    const priced = await underWatch(intro);
    expect(priced.body.errors?.[0].extensions).toMatchObject({ code: 'COST_LIMIT', maxCost: 200_000 });
    expect(priced.ms).toBeLessThan(SANE_MS);
  });

  it('refuses a non-finite number literal and an over-long string with BAD_USER_INPUT', async () => {
    const inf = await t.gql(`{ voxelScores(model: "m", step: 1, layer: 1, dataset: "d", subject: "s", first: 1, minR: 1e400) { totalCount } }`);
    expect(inf.body.errors?.[0]).toEqual({ message: "argument 'minR': 1e400 is not a finite number", extensions: { code: 'BAD_USER_INPUT', argument: 'minR' } });
    const long = await t.gql(`query($id: ID!) { model(id: $id) { id } }`, { id: 'x'.repeat(10_000_000) });
    // GraphQL over HTTP: an application/json response answers request errors with 200 (server/responseStatus.ts).
    expect(long.status).toBe(200);
    expect(long.body.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', variable: 'id' });
    expect(JSON.stringify(long.body).length).toBeLessThan(500);
  });

  it('answers graphql-js’s standard introspection query and GraphiQL’s with the default limits', async () => {
    for (const query of [getIntrospectionQuery(), GRAPHIQL_INTROSPECTION]) {
      const { status, body } = await t.gql(query);
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(body.data.__schema.queryType.name).toBe('Query');
      expect(body.data.__schema.types.find((ty: { name: string }) => ty.name === 'Query').fields.length).toBeGreaterThan(10);
    }
  });

  it('keeps introspection depth bounded on its own (20), apart from the data depth limit', async () => {
    const deep = `{ __schema { types { ${'fields { type { '.repeat(9)}name${' } }'.repeat(9)} } } }`;
    const r = await t.gql(deep);
    expect(r.body.errors?.[0].extensions).toEqual({ code: 'DEPTH_LIMIT', depth: 21, maxDepth: 20 });
  });

  it('follows fragment chains without overflowing the stack', async () => {
    const chain = (n: number) => {
      let doc = '{ ...F0 }';
      for (let i = 0; i < n; i++) doc += ` fragment F${i} on Query { __typename ...F${i + 1} }`;
      return `${doc} fragment F${n} on Query { __typename }`;
    };
    expect((await t.gql(chain(100))).body).toEqual({ data: { __typename: 'Query' } });
    // At the token limit graphql-js's own validation budget (OverlappingFieldsCanBeMerged) gives up: coded (200 for application/json).
    const long = await t.gql(chain(500));
    expect(long.status).toBe(200);
    expect(long.body.errors?.[0]).toMatchObject({ message: 'Validation aborted.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });

  it('refuses subscriptions with a code', async () => {
    const r = await t.gql('subscription { __typename }');
    expect(r.status).toBe(200); // a validation error: 200 for application/json (400 for application/graphql-response+json)
    expect(r.body.errors?.[0]).toMatchObject({ message: 'subscriptions are not supported: this API answers queries and mutations over HTTP', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });
});
