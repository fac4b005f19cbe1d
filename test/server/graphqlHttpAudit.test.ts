import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The GraphQL-over-HTTP spec's conformance audits (graphql-http's `serverAudits`, the suite the
 * spec's authors maintain) against a real server: no MUST fails and no SHOULD is missed.
 */
describe('GraphQL over HTTP conformance (graphql-http serverAudits)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ withPythia: false });
  });
  afterAll(() => t.close());

  it('passes every audit: 0 warnings, 0 errors', async () => {
    const results = [];
    for (const audit of serverAudits({ url: t.server.endpoint })) results.push(await audit.fn());
    const notOk = results.filter((r) => r.status !== 'ok').map((r) => `${r.status} ${r.id} ${r.name}: ${'reason' in r ? r.reason : ''}`);
    console.log(`graphql-http audit: ${results.length} audits, ${results.filter((r) => r.status === 'warn').length} warnings, ${results.filter((r) => r.status === 'error').length} errors`);
    expect(notOk).toEqual([]);
  });
});
