import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, randInt, type Rng } from '../../compute/random.js';
import { localAuth } from '../../server/auth.js';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { warehouseFingerprint, type Fingerprint } from '../helpers/fingerprint.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** One hostile request: where, how, and what is sent. */
interface Case {
  readonly label: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** Valid documents the mutations start from: every kind of field, with literals and variables. */
const BASE_DOCUMENTS: readonly { query: string; variables?: Record<string, unknown> }[] = [
  { query: '{ models(first: 3) { totalCount nodes { id family params } pageInfo { hasNextPage endCursor } } }' },
  { query: '{ model(id: "pythia-160m") { id checkpoints(first: 5, stepRange: { from: 1000 }) { nodes { step tokens piqa: taskScore(task: "piqa") { value stderr } } } } }' },
  { query: 'query Q($m: ID!, $t: String!) { model(id: $m) { taskTrajectory(task: $t, metric: "acc") { step value } } }', variables: { m: 'pythia-70m', t: 'piqa' } },
  { query: '{ compareModels(models: ["pythia-70m", "pythia-160m"], task: "piqa", alignBy: TOKENS, grid: { points: 20, scale: LOG }) { grid series { modelId points { x value } } correlations { r n } } }' },
  { query: '{ taskScoreAggregate(where: { metric: "acc", tasks: ["mmlu", "piqa"], steps: { from: 93000 } }, groupBy: [MODEL, TASK]) { modelId task count mean } }' },
  { query: '{ detectPhases(model: "pythia-410m", signals: [{ kind: TASK, task: "lambada_openai" }], options: { bootstrap: 20, seed: 1, minSize: 3 }) { k breakpoints { step } segments { label } } }' },
  { query: 'query P($o: PhaseOptionsInput) { comparePhases(models: ["pythia-70m", "pythia-160m"], signals: [{ kind: TASK, task: "piqa" }], options: $o) { models { modelId boundaries } } }', variables: { o: { k: 1, bootstrap: 0 } } },
  { query: '{ voxelScores(model: "pythia-70m", step: 1000, layer: 1, dataset: "d", subject: "S01", first: 10, minR: 0.1) { totalCount nodes { voxel r } } }' },
  { query: '{ tasks(models: ["pythia-70m"]) { task metrics } taskGroups { name patterns } datasets { id subjects } }' },
  { query: '{ jobs(first: 5) { totalCount nodes { id status } } }' },
  { query: 'mutation { registerModel(input: { id: "fuzz-model", tokensPerStep: 1000 }) { id } }' },
  { query: 'mutation M($p: String!) { importEvals(input: { path: $p }) { models } }', variables: { p: '/etc/passwd' } },
  { query: '{ __schema { queryType { name } types { name kind } } __type(name: "Model") { fields { name args { name } } } }' },
  { query: 'query F { ...Q } fragment Q on Query { models(first: 1) { nodes { ...M } } } fragment M on Model { id family }' },
];

const TOKENS = [
  '{', '}', '(', ')', '[', ']', ':', '$', '@', '!', '...', '=', '|', '&', '"', '"""', '#', ',', '\n', '\\', '\u0000',
  'query', 'mutation', 'subscription', 'fragment', 'on', 'null', 'true', 'false', '__typename', '__schema', '@include(if: true)', '@skip(if: $x)',
  '1e400', '-1e400', '1e-400', '99999999999999999999', '-2147483649', '2147483648', '0x10', 'NaN', '-0', '1.', '.5',
  '"\\u0000"', '"\\uD800"', '"\u202Eevil"', '"../../etc/shadow"', `"${'A'.repeat(70_000)}"`, '"\'; DROP TABLE models; --"', '""',
  'models', 'model(id: "x")', 'first: -1', 'first: 100000', 'first: 0', 'after: "!!!"', 'groupBy: []', 'signals: []', 'bootstrap: 100000',
];

const VALUES: readonly unknown[] = [
  null, true, 0, -1, 2 ** 31, -(2 ** 53), 1.5, 'x', '', 'A'.repeat(70_000), '\u0000\u202e', [], [null], {}, { nested: { deeper: [1, 2, { x: 'y' }] } },
  Array.from({ length: 2000 }, (_, i) => i), '../../../../etc/passwd', 'cq_000000000000_00000000000000000000000000000000',
];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[randInt(rng, items.length)]!;
}

/** A valid document, damaged in one of several ways. */
function mutateDocument(rng: Rng, query: string): string {
  const at = randInt(rng, query.length + 1);
  switch (randInt(rng, 8)) {
    case 0: return query.slice(0, at) + query.slice(at + 1 + randInt(rng, 5));
    case 1: return query.slice(0, at) + pick(rng, TOKENS) + query.slice(at);
    case 2: return query.slice(0, at);
    case 3: {
      const end = Math.min(query.length, at + randInt(rng, 40));
      return query.slice(0, end) + query.slice(at, end).repeat(1 + randInt(rng, 30)) + query.slice(end);
    }
    case 4: return query.replace(/-?\d+(\.\d+)?([eE][+-]?\d+)?/, pick(rng, ['1e400', '-1', '2147483648', '1.5', '"7"', 'null', '[1]', '{a: 1}']));
    case 5: return query.replace(/"[^"]*"/, pick(rng, ['""', '1', 'null', `"${'x'.repeat(70_000)}"`, '"\\u0000"', '["a"]', '"\u202e"', '"%"', '"_"']));
    case 6: return query.replace(/\{/g, () => (rng() < 0.2 ? '(' : '{'));
    default: return `${query} ${pick(rng, TOKENS)} ${pick(rng, TOKENS)}`;
  }
}

function randomVariables(rng: Rng): Record<string, unknown> {
  const names = ['m', 't', 'o', 'p', 'x', 'id', 'first'];
  return Object.fromEntries(Array.from({ length: 1 + randInt(rng, 3) }, () => [pick(rng, names), pick(rng, VALUES)]));
}

function gql(label: string, body: unknown, headers: Record<string, string> = {}): Case {
  return { label, method: 'POST', path: '/graphql', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** Every case is generated from the seed; none is written out by hand. */
function generateCases(seed: number): Case[] {
  const rng = createRng(seed);
  const cases: Case[] = [];
  // 1. Damaged documents (with and without their variables).
  for (let i = 0; i < 170; i++) {
    const base = pick(rng, BASE_DOCUMENTS);
    cases.push(gql(`mutated document #${i}`, { query: mutateDocument(rng, base.query), variables: base.variables }));
  }
  // 2. Valid documents with wrong, huge or hostile variables.
  for (let i = 0; i < 60; i++) {
    const base = pick(rng, BASE_DOCUMENTS);
    cases.push(gql(`wrong variables #${i}`, { query: base.query, variables: randomVariables(rng), operationName: rng() < 0.2 ? pick(rng, ['Q', 'P', 'nope', '']) : undefined }));
  }
  // 3. Token soup.
  for (let i = 0; i < 40; i++) {
    cases.push(gql(`token soup #${i}`, { query: Array.from({ length: 1 + randInt(rng, 60) }, () => pick(rng, TOKENS)).join(' ') }));
  }
  // 4. Bodies that are not a GraphQL request.
  const bodies = [
    '', '{', '[]', '[{"query":"{ __typename }"}]', 'null', '42', '"query"', '{"query": 5}', '{"query": null}', '{"query": "{ __typename }", "variables": "x"}',
    '{"query": "{ __typename }", "variables": [1]}', '{"query": "{ __typename }", "operationName": 7}', '{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "00"}}}',
    '{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}', `{"query": "{ __typename }", "variables": ${'['.repeat(5000)}${']'.repeat(5000)}}`,
    '{"query": "{ __typename }", "variables": {"x": 1e400}}', `{"query": "query($m: ID!) { model(id: $m) { id } }", "variables": {"m": "${'q'.repeat(100_000)}"}}`,
  ];
  for (const [i, body] of bodies.entries()) cases.push({ label: `body #${i}`, method: 'POST', path: '/graphql', headers: JSON_HEADERS, body });
  // 5. Headers: content types, charsets, encodings, keys.
  const ok = JSON.stringify({ query: '{ models(first: 1) { totalCount } }' });
  for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/graphql', 'application/json; charset=latin1', 'application/json; charset=utf-7', 'application/json; charset=', '*/*']) {
    cases.push({ label: `content-type ${type}`, method: 'POST', path: '/graphql', headers: { 'content-type': type }, body: ok });
  }
  for (const encoding of ['gzip', 'deflate', 'br', 'compress', 'identity, gzip', 'bogus']) {
    cases.push({ label: `garbage ${encoding}`, method: 'POST', path: '/graphql', headers: { ...JSON_HEADERS, 'content-encoding': encoding }, body: new Uint8Array(Array.from({ length: 64 }, () => randInt(rng, 256))) });
  }
  cases.push({ label: 'gzip of bad JSON', method: 'POST', path: '/graphql', headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' }, body: gzipSync('{"query": ') });
  for (const auth of ['Bearer', 'Bearer ', 'bearer  ', 'Basic Zm9vOmJhcg==', 'Token abc', 'Bearer cq_zz', `Bearer ${'k'.repeat(10_000)}`, 'Bearer cq_000000000000_00000000000000000000000000000000', 'Digest x']) {
    cases.push({ label: `authorization ${auth.slice(0, 20)}`, method: 'POST', path: '/graphql', headers: { ...JSON_HEADERS, authorization: auth }, body: ok });
  }
  cases.push({ label: 'empty x-api-key', method: 'POST', path: '/graphql', headers: { ...JSON_HEADERS, 'x-api-key': '' }, body: ok });
  // 6. Methods, query strings and other paths.
  for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    cases.push({ label: `${method} /graphql`, method, path: '/graphql', headers: {}, body: method === 'GET' ? undefined : ok });
  }
  for (let i = 0; i < 10; i++) {
    const base = pick(rng, BASE_DOCUMENTS);
    const query = rng() < 0.5 ? mutateDocument(rng, base.query) : base.query;
    cases.push({ label: `GET #${i}`, method: 'GET', path: `/graphql?query=${encodeURIComponent(query)}&variables=${rng() < 0.5 ? '%7B' : encodeURIComponent(JSON.stringify(randomVariables(rng)))}`, headers: { 'apollo-require-preflight': 'true' } });
  }
  for (const path of ['/nope', '/graphql/../healthz', '/bundles/../../etc/passwd', '/bundles/%2e%2e%2fsecret', '/assets/..%2f..%2fpackage.json', '/jobs/x', '/metrics/x']) {
    cases.push({ label: `path ${path}`, method: rng() < 0.5 ? 'GET' : 'POST', path, headers: JSON_HEADERS, body: undefined });
  }
  return cases;
}

describe('fuzz: generated hostile requests each get a coded answer and write nothing', () => {
  let t: TestServer;
  let before: Fingerprint;
  const cases = generateCases(20261201);
  const leaks = [PACKAGE_ROOT, tmpdir(), 'node_modules', '    at '];

  beforeAll(async () => {
    // An anonymous reader, as on a public server; writer mutations must be refused, not run.
    t = await startTestServer({ auth: localAuth('reader', 200_000) });
    before = await warehouseFingerprint(t.wh);
  });
  afterAll(() => t.close());

  it(`generates at least 300 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(300);
  });

  it('answers every case below 500, with extensions.code on every error, no stack trace and no server path', async () => {
    const failures: string[] = [];
    for (let i = 0; i < cases.length; i += 8) {
      await Promise.all(
        cases.slice(i, i + 8).map(async (c) => {
          const res = await fetch(new URL(c.path, t.server.url), { method: c.method, headers: c.headers, body: c.body });
          const text = await res.text();
          const problem = (what: string) => failures.push(`${c.label}: ${what} (${res.status}: ${text.slice(0, 200)})`);
          if (res.status >= 500) problem('server error');
          for (const leak of leaks) if (text.includes(leak)) problem(`leaks ${JSON.stringify(leak)}`);
          let body: { errors?: { extensions?: { code?: unknown } }[] } | null = null;
          try {
            body = JSON.parse(text);
          } catch {
            // Not JSON: only a success (GraphiQL's page, the dashboard, a metric scrape) may be something else.
            if (res.status >= 400) problem('an error without a JSON body');
          }
          for (const e of body?.errors ?? []) {
            const code = e.extensions?.code;
            if (typeof code !== 'string') problem('an error without a code');
            else if (code === 'INTERNAL_SERVER_ERROR') problem('INTERNAL_SERVER_ERROR');
          }
          if (res.status >= 400 && !body?.errors?.length) problem('a refusal without errors');
        }),
      );
    }
    expect(failures).toEqual([]);
  });

  it('left the warehouse exactly as it was (every table’s content hash)', async () => {
    expect(await warehouseFingerprint(t.wh)).toEqual(before);
  });

  it('is still healthy', async () => {
    expect((await fetch(new URL('/healthz', t.server.url))).status).toBe(200);
    expect((await t.gql('{ models(first: 1) { totalCount } }')).body).toEqual({ data: { models: { totalCount: 7 } } });
  });
});
