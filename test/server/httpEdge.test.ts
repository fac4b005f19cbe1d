import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthConfig } from '../../server/auth.js';
import { createApiKey } from '../../services/apiKeys.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const READ = '{ models(first: 1) { totalCount } }';

describe('the HTTP edge: coded answers for transport mistakes, keys, and bounded metrics', () => {
  let t: TestServer;
  let key: string;
  beforeAll(async () => {
    t = await startTestServer();
    key = (await createApiKey(t.wh, 'edge', 'reader')).key;
  });
  afterAll(() => t.close());

  const post = (body: string | Buffer, headers: Record<string, string>) => fetch(t.server.endpoint, { method: 'POST', headers, body });

  it('answers an unknown charset or Content-Encoding with 415 UNSUPPORTED_MEDIA_TYPE, a corrupt gzip body with 400', async () => {
    const body = JSON.stringify({ query: READ });
    const charset = await post(body, { 'content-type': 'application/json; charset=klingon' });
    expect(charset.status).toBe(415);
    expect(await charset.json()).toEqual({ errors: [{ message: 'unsupported charset: send the body as UTF-8', extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } }] });
    const encoding = await post(body, { 'content-type': 'application/json', 'content-encoding': 'x-bogus' });
    expect(encoding.status).toBe(415);
    expect(((await encoding.json()) as { errors: any[] }).errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const corrupt = await post(Buffer.from('not gzip at all'), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(corrupt.status).toBe(400);
    expect(((await corrupt.json()) as { errors: any[] }).errors[0].extensions.code).toBe('BAD_REQUEST');
    // A well-formed gzip body is simply read.
    const gz = await post(gzipSync(body), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(await gz.json()).toEqual({ data: { models: { totalCount: 7 } } });
  });

  it('accepts the Bearer scheme in any case (RFC 7235) and refuses an empty key or another scheme with 401', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const ok = await t.gql(READ, {}, { authorization: `${scheme} ${key}` });
      expect(ok.status, scheme).toBe(200);
    }
    for (const [header, message] of [
      ['Bearer ', 'the Authorization header has an empty key: Authorization: Bearer <key>'],
      ['bearer', 'the Authorization header has an empty key: Authorization: Bearer <key>'],
      [`Basic ${Buffer.from('a:b').toString('base64')}`, 'the Authorization header must use the Bearer scheme: Authorization: Bearer <key>'],
    ]) {
      const r = await t.gql(READ, {}, { authorization: header });
      expect(r.status, header).toBe(401);
      expect(r.body.errors?.[0]).toMatchObject({ message, extensions: { code: 'UNAUTHENTICATED' } });
    }
  });

  it('never echoes a long unknown id in full', async () => {
    const id = 'z'.repeat(60_000);
    const r = await t.gql('query($id: ID!) { model(id: $id) { id } }', { id });
    expect(r.body.errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect(r.body.errors?.[0].message).toMatch(new RegExp(`^model '${'z'.repeat(80)}… \\(60000 characters\\)' does not exist; known: 'pythia-160m'`));
    expect(JSON.stringify(r.body).length).toBeLessThan(1000);
  });

  it('keeps /metrics bounded: 2,000 distinct operation names make one `other` series', async () => {
    // 25 at a time: a burst of hundreds of new connections can overflow the listen backlog on a busy machine.
    for (let i = 0; i < 2000; i += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, j) => t.gql(`query Probe${i + j}_${'x'.repeat(50)} { __typename }`)));
    }
    await t.gql('query DashboardCatalog { __typename }');
    const text = await (await fetch(new URL('/metrics', t.server.url))).text();
    const series = text.split('\n').filter((l) => l.startsWith('cortexql_graphql_request_duration_seconds_count'));
    const operations = new Set(series.map((l) => /operation="([^"]*)"/.exec(l)![1]));
    expect([...operations].sort()).toEqual(expect.arrayContaining(['DashboardCatalog', 'other']));
    expect(operations.size).toBeLessThanOrEqual(3);
    expect(text).not.toContain('Probe');
    expect(text.length).toBeLessThan(100_000);
  }, 240_000); // 2,000 requests: seconds alone, a minute or more on a busy machine
});

describe('refused requests are rate-limited per client address', () => {
  let t: TestServer;
  const AUTH: AuthConfig = {
    anonymousRole: null,
    limits: { reader: { maxCost: 1000, requestsPerMinute: 1000 }, writer: { maxCost: 1000, requestsPerMinute: 1000 }, admin: { maxCost: 1000, requestsPerMinute: 1000 } },
    refusedPerMinute: 5,
  };
  beforeAll(async () => {
    t = await startTestServer({ auth: AUTH, withPythia: false });
  });
  afterAll(() => t.close());

  it('answers 429 RATE_LIMITED once an address spent its refusals, before reading the request', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await t.gql(READ)).status); // anonymous access is off: 401 each
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const limited = await t.gql(READ, {}, { authorization: 'Bearer cq_000000000000_00000000000000000000000000000000' });
    expect(limited.status).toBe(429);
    expect(limited.body.errors?.[0].extensions.code).toBe('RATE_LIMITED');
    const metrics = await (await fetch(new URL('/metrics', t.server.url))).text();
    expect(metrics).toMatch(/cortexql_http_refused_total\{code="RATE_LIMITED"\} [4-9]/);
  });
});
