import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('operations: health, metrics', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('answers /healthz', async () => {
    const res = await fetch(new URL('/healthz', t.server.url));
    expect(await res.json()).toEqual({ status: 'ok', dataVersion: expect.any(Number) });
  });

  it('exports Prometheus metrics: latency by operation, errors by code, jobs, data version', async () => {
    await t.gql(`query DashboardCatalog { models(first: 1) { totalCount } }`);
    await t.gql(`query SomeClientsOwnName { models(first: 1) { totalCount } }`);
    await t.gql(`query Broken { model(id: "nope") { id } }`);
    const text = await (await fetch(new URL('/metrics', t.server.url))).text();
    // Known operations (the shipped clients') by name; any other name is `other` (labels stay a closed set).
    expect(text).toMatch(/cortexql_graphql_request_duration_seconds_count\{operation="DashboardCatalog",type="query"\} 1/);
    expect(text).toMatch(/cortexql_graphql_request_duration_seconds_count\{operation="other",type="query"\} 2/);
    expect(text).not.toContain('SomeClientsOwnName');
    expect(text).toMatch(/cortexql_graphql_errors_total\{code="NOT_FOUND"\} 1/);
    expect(text).toMatch(/cortexql_warehouse_data_version \d+/);
    expect(text).toContain('# TYPE cortexql_jobs gauge');
    expect(text).toContain('cortexql_process_cpu_seconds_total');
  });
});
