import { serverAudits, type AuditResult } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

/**
 * The GraphQL-over-HTTP spec's conformance audits (graphql-http's `serverAudits`, maintained with
 * the spec) against a real server: no MUST fails and no SHOULD is missed. The three MAY items it
 * notes are GETs without a preflight-forcing header, which Apollo's CSRF prevention refuses on
 * purpose (server/app.ts).
 */
describe('GraphQL over HTTP conformance (graphql-http serverAudits)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ withPythia: false });
  });
  afterAll(() => t.close());

  it('passes every audit: 0 warnings, 0 errors', async () => {
    const results: AuditResult[] = [];
    for (const audit of serverAudits({ url: t.server.endpoint })) results.push(await audit.fn());
    const by = (status: string) => results.filter((r) => r.status === status);
    console.log(`graphql-http audit: ${results.length} audits, ${by('ok').length} ok, ${by('warn').length} warnings, ${by('error').length} errors, ${by('notice').length} notices`);
    expect([...by('warn'), ...by('error')].map((r) => `${r.status} ${r.id} ${r.name}: ${'reason' in r ? r.reason : ''}`)).toEqual([]);
    expect(by('notice').map((r) => r.id).sort()).toEqual(['5A70', '6A70', 'D6D5']);
  });
});
