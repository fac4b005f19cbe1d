import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../errors/errorCodes.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('limits and errors: enforced before execution, always with a code, never a stack trace', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ limits: { maxDepth: 6, maxCost: 20_000, maxPageSize: 100 } });
  });
  afterAll(() => t.close());

  const executed = async (query: string) => {
    const before = t.wh.statementCount;
    const res = await t.gql(query);
    return { ...res, statements: t.wh.statementCount - before };
  };

  it('rejects a query deeper than maxDepth without running it', async () => {
    const { status, body, statements } = await executed(`{ models(first: 1) { edges { node { checkpoints(first: 1) { edges { node { taskScore(task: "piqa") { value } } } } } } } }`);
    expect(status).toBe(400);
    expect(statements).toBe(0);
    expect(body).toEqual({ errors: [{ message: 'query depth 8 exceeds the limit of 6', extensions: { code: 'DEPTH_LIMIT', depth: 8, maxDepth: 6 } }] });
  });

  it('counts depth through fragments', async () => {
    const { body } = await executed(`{ models(first: 1) { ...M } } fragment M on ModelConnection { edges { node { checkpoints(first: 1) { edges { node { step taskScore(task: "x") { value } } } } } } }`);
    expect(body.errors?.[0].extensions.code).toBe('DEPTH_LIMIT');
  });

  it('rejects a query whose estimated cost exceeds the ceiling without running it', async () => {
    const { status, body, statements } = await executed(`{ models(first: 100) { nodes { checkpoints(first: 100) { nodes { step tokens } } } } }`);
    expect(status).toBe(400);
    expect(statements).toBe(0);
    expect(body.errors).toEqual([
      { message: 'estimated query cost 30201 exceeds the limit of 20000; ask for smaller pages', extensions: { code: 'COST_LIMIT', cost: 30201, maxCost: 20000 } },
    ]);
  });

  it('caps first and requires it', async () => {
    const capped = await t.gql(`{ models(first: 101) { totalCount } }`);
    expect(capped.body.errors).toEqual([
      { message: "'first' must be between 1 and 100 (got 101)", locations: [{ line: 1, column: 3 }], path: ['models'], extensions: { code: 'BAD_USER_INPUT', argument: 'first', max: 100 } },
    ]);
    const missing = await t.gql(`{ models { totalCount } }`);
    // GraphQL over HTTP: a request error is 200 for application/json (the default), 400 for application/graphql-response+json.
    expect(missing.status).toBe(200);
    expect((await t.gql(`{ models { totalCount } }`, {}, { accept: 'application/graphql-response+json' })).status).toBe(400);
    expect(missing.body.errors?.[0]).toMatchObject({ message: 'Field "models" argument "first" of type "Int!" is required, but it was not provided.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });

  it('answers malformed GraphQL, unknown fields, bad variables and bad JSON with codes', async () => {
    const parse = await t.gql(`{ models(first: 1) { nodes { id }`, {}, { accept: 'application/graphql-response+json' });
    expect(parse.status).toBe(400);
    expect(parse.body.errors?.[0]).toEqual({ message: 'Syntax Error: Expected Name, found <EOF>.', locations: [{ line: 1, column: 34 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    const unknownField = await t.gql(`{ models(first: 1) { nodes { weight } } }`);
    expect(unknownField.body.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const badVariable = await t.gql(`query($n: Int!) { models(first: $n) { totalCount } }`, { n: 'ten' });
    expect(badVariable.body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const res = await fetch(t.server.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).errors[0]?.extensions.code).toBe('BAD_REQUEST');
  });

  it('answers unknown ids with NOT_FOUND and bad cursors with BAD_USER_INPUT', async () => {
    // A root lookup is nullable: the error is in `errors`, and the sibling fields still answer.
    const missing = await t.gql(`{ model(id: "pythia-13b") { id } models(first: 1) { totalCount } }`);
    const known = ['pythia-160m', 'pythia-160m-deduped', 'pythia-1b-deduped', 'pythia-410m', 'pythia-410m-deduped', 'pythia-70m', 'pythia-70m-deduped'];
    expect(missing.body).toEqual({
      data: { model: null, models: { totalCount: 7 } },
      errors: [{
        message: "model 'pythia-13b' does not exist; did you mean 'pythia-70m' or 'pythia-160m' or 'pythia-410m'?", locations: [{ line: 1, column: 3 }], path: ['model'],
        extensions: { code: 'NOT_FOUND', what: 'model', id: 'pythia-13b', didYouMean: ['pythia-70m', 'pythia-160m', 'pythia-410m'], known },
      }],
    });
    const cursor = await t.gql(`{ models(first: 1, after: "bm90LWEtY3Vyc29y") { totalCount } }`);
    expect(cursor.body.errors?.[0]).toMatchObject({ message: "'after' is not a model cursor from this API", extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('hides internal errors behind INTERNAL_SERVER_ERROR with no message details or stack', async () => {
    const broken = await startTestServer({ withPythia: false });
    // A table gone from under the server: the statement fails inside DuckDB, an unexpected, internal error.
    await broken.wh.write((tx) => tx.run('ALTER TABLE models RENAME TO models_gone'));
    try {
      const { body } = await broken.gql(`{ models(first: 1) { nodes { id } } }`);
      // Root fields are nullable: a failing one is null beside its siblings.
      expect(body).toEqual({
        data: { models: null },
        errors: [{ message: 'Internal server error', locations: [{ line: 1, column: 3 }], path: ['models'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
      });
    } finally {
      await broken.close();
    }
  });

  it('keeps CSRF prevention on: a simple cross-site GET is refused', async () => {
    const res = await fetch(`${t.server.endpoint}?query=${encodeURIComponent('{ models(first: 1) { totalCount } }')}`);
    expect(res.status).toBe(400);
    const ok = await fetch(`${t.server.endpoint}?query=${encodeURIComponent('{ models(first: 1) { totalCount } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(await ok.json()).toEqual({ data: { models: { totalCount: 7 } } });
  });

  it('serves GraphiQL with its assets from the server itself', async () => {
    const page = await fetch(t.server.url, { headers: { accept: 'text/html' } });
    const html = await page.text();
    expect(html).toContain('GraphiQL.createFetcher');
    for (const asset of html.match(/\/assets\/[\w.-]+/g)!) {
      const res = await fetch(new URL(asset, t.server.url));
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
  });
});
