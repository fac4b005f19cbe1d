import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, isEnumType, isInputObjectType, isInterfaceType, isIntrospectionType, isObjectType, isScalarType, isSpecifiedScalarType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../server/config.js';
import { computeEncoding } from '../../services/encoding.js';
import { PACKAGE_ROOT } from '../../services/paths.js';
import { defaultReaders } from '../../warehouse/Warehouse.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { addSyntheticStudy } from '../helpers/syntheticStudy.js';
import { tempDir } from '../helpers/tmp.js';

/** Every type, field, argument and enum value of the checked-in schema, and whether it has a description. */
function schemaElements(): { element: string; described: boolean }[] {
  const schema = buildSchema(readFileSync(join(PACKAGE_ROOT, 'schema.graphql'), 'utf8'));
  const out: { element: string; described: boolean }[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || (isScalarType(type) && isSpecifiedScalarType(type))) continue;
    out.push({ element: type.name, described: Boolean(type.description) });
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        out.push({ element: `${type.name}.${field.name}`, described: Boolean(field.description) });
        for (const arg of 'args' in field ? field.args : []) out.push({ element: `${type.name}.${field.name}(${arg.name})`, described: Boolean(arg.description) });
      }
    }
    if (isEnumType(type)) for (const v of type.getValues()) out.push({ element: `${type.name}.${v.name}`, described: Boolean(v.description) });
  }
  return out;
}

describe('schema conventions (schema.graphql)', () => {
  it('describes at least 95% of its types, fields, arguments and enum values', () => {
    const elements = schemaElements();
    const described = elements.filter((e) => e.described).length;
    console.log(`schema descriptions: ${described} of ${elements.length} elements (${((100 * described) / elements.length).toFixed(1)}%)`);
    expect(elements.filter((e) => !e.described).map((e) => e.element)).toEqual([]);
    expect(described / elements.length).toBeGreaterThanOrEqual(0.95);
  });

  it('spells every enum value in upper case', () => {
    const schema = buildSchema(readFileSync(join(PACKAGE_ROOT, 'schema.graphql'), 'utf8'));
    const values = Object.values(schema.getTypeMap()).filter((t) => isEnumType(t) && !isIntrospectionType(t)).flatMap((t) => (isEnumType(t) ? t.getValues().map((v) => `${t.name}.${v.name}`) : []));
    expect(values.filter((v) => v.split('.')[1] !== v.split('.')[1].toUpperCase())).toEqual([]);
    expect(values).toEqual(expect.arrayContaining(['Role.READER', 'Role.WRITER', 'Role.ADMIN']));
  });
});

describe('orderBy on connections', () => {
  let t: TestServer;
  const tmp = tempDir();
  beforeAll(async () => {
    t = await startTestServer();
    await addSyntheticStudy(t.wh, tmp.dir, { steps: [100] });
    await computeEncoding(t.wh, { modelId: 'tiny', step: 100, datasetId: 'synth' });
  });
  afterAll(async () => {
    await t.close();
    tmp.cleanup();
  });

  it('models by parameter count, largest first, paging with cursors; by id descending', async () => {
    const page = (after: string | null) => t.gql(`query($after: String) { models(first: 3, after: $after, orderBy: { field: PARAMS, direction: DESC }) {
      totalCount pageInfo { hasNextPage endCursor } nodes { id params } } }`, { after });
    const seen: { id: string; params: number | null }[] = [];
    let after: string | null = null;
    for (;;) {
      const { body } = await page(after);
      seen.push(...body.data.models.nodes);
      if (!body.data.models.pageInfo.hasNextPage) break;
      after = body.data.models.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(8);
    expect(seen[0]).toMatchObject({ id: 'pythia-1b-deduped' });
    const known = seen.filter((m) => m.params !== null).map((m) => m.params!);
    expect(known).toEqual([...known].sort((a, b) => b - a));
    // The model without a parameter count comes last.
    expect(seen.at(-1)).toEqual({ id: 'tiny', params: null });
    const byId = await t.gql(`{ models(first: 2, orderBy: { direction: DESC }) { nodes { id } } }`);
    expect(byId.body.data.models.nodes).toEqual([{ id: 'tiny' }, { id: 'pythia-70m-deduped' }]);
  });

  it('checkpoints latest first, paging with cursors', async () => {
    const first = await t.gql(`{ model(id: "pythia-160m") { checkpoints(first: 2, orderBy: { direction: DESC }) { pageInfo { endCursor } nodes { step } } } }`);
    expect(first.body.data.model.checkpoints.nodes).toEqual([{ step: 143000 }, { step: 133000 }]);
    const next = await t.gql(`query($a: String) { model(id: "pythia-160m") { checkpoints(first: 2, after: $a, orderBy: { field: STEP, direction: DESC }) { nodes { step } } } }`,
      { a: first.body.data.model.checkpoints.pageInfo.endCursor });
    expect(next.body.data.model.checkpoints.nodes).toEqual([{ step: 123000 }, { step: 113000 }]);
  });

  it('voxels by test r, best first, paging with cursors; voxel order is the default', async () => {
    const all = await t.gql(`{ voxelScores(model: "tiny", step: 100, layer: 1, dataset: "synth", subject: "S01", first: 100) { nodes { voxel r } } }`);
    const voxels = all.body.data.voxelScores.nodes as { voxel: number; r: number | null }[];
    expect(voxels.map((v) => v.voxel)).toEqual(voxels.map((_, i) => i));
    const expected = [...voxels].sort((a, b) => (a.r === null ? 1 : b.r === null ? -1 : b.r - a.r || a.voxel - b.voxel));
    const got: { voxel: number; r: number | null }[] = [];
    let after: string | null = null;
    do {
      const { body }: { body: { data?: any } } = await t.gql(`query($a: String) { voxelScores(model: "tiny", step: 100, layer: 1, dataset: "synth", subject: "S01", first: 7, after: $a,
        orderBy: { field: R, direction: DESC }) { pageInfo { hasNextPage endCursor } nodes { voxel r } } }`, { a: after });
      got.push(...body.data.voxelScores.nodes);
      after = body.data.voxelScores.pageInfo.hasNextPage ? body.data.voxelScores.pageInfo.endCursor : null;
    } while (after);
    expect(got).toEqual(expected);
    // A cursor of one order is refused by another.
    const mixed = await t.gql(`query($a: String) { voxelScores(model: "tiny", step: 100, layer: 1, dataset: "synth", subject: "S01", first: 7, after: $a) { totalCount } }`, { a: after ?? 'eA' });
    expect(mixed.body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('CORS: off by default, an allowlist by flag or environment', () => {
  const preflight = (url: string, origin: string) =>
    fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
  const post = (url: string, origin: string) =>
    fetch(url, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ datasets { id } }' }) });

  it('answers no CORS headers when no origin is allowed', async () => {
    const t = await startTestServer({ withPythia: false });
    try {
      expect((await preflight(t.server.endpoint, 'https://observablehq.com')).headers.get('access-control-allow-origin')).toBeNull();
      const res = await post(t.server.endpoint, 'https://observablehq.com');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await t.close();
    }
  });

  it('answers the preflight of an allowed origin, and only of it', async () => {
    const t = await startTestServer({ withPythia: false, corsOrigins: ['https://observablehq.com', 'http://localhost:8501'] });
    try {
      const ok = await preflight(t.server.endpoint, 'https://observablehq.com');
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://observablehq.com');
      expect(ok.headers.get('access-control-allow-methods')).toBe('GET,POST');
      expect(ok.headers.get('access-control-allow-headers')?.split(',')).toEqual(expect.arrayContaining(['content-type', 'authorization', 'x-api-key']));
      const res = await post(t.server.endpoint, 'http://localhost:8501');
      expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:8501');
      expect(await res.json()).toEqual({ data: { datasets: [] } });
      const other = await preflight(t.server.endpoint, 'https://evil.example');
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await t.close();
    }
  });
});

describe('configuration', () => {
  it('reads --readers, --cache-entries, --cors-origin, --compute-roles and the quotas, flags over environment', () => {
    const demo = resolveConfig({ db: '/tmp/x.duckdb' }, { CORTEXQL_DEMO: '1' });
    expect(demo.warehouse).toMatchObject({ readers: defaultReaders(), cacheEntries: 256 });
    expect(demo.corsOrigins).toEqual([]);
    expect(demo.auth.compute?.roles).toEqual(['anonymous', 'reader', 'writer', 'admin']);
    const prod = resolveConfig({ db: '/tmp/x.duckdb', readers: '6', cacheEntries: '0', corsOrigin: ['https://a.example', 'https://b.example:8443'] }, {
      CORTEXQL_READERS: '3', CORTEXQL_QUOTA_READER: '4/900', CORTEXQL_QUOTA_WRITER: '100/36000', CORTEXQL_CORS_ORIGINS: 'https://ignored.example',
    });
    expect(prod.warehouse).toMatchObject({ readers: 6, cacheEntries: 0 });
    expect(prod.corsOrigins).toEqual(['https://a.example', 'https://b.example:8443']);
    expect(prod.auth.compute).toEqual({
      roles: ['reader', 'writer', 'admin'],
      quotas: { anonymous: { jobs: 4, cpuSecondsPerHour: 600 }, reader: { jobs: 4, cpuSecondsPerHour: 900 }, writer: { jobs: 100, cpuSecondsPerHour: 36000 }, admin: null },
    });
    expect(resolveConfig({ db: '/tmp/x.duckdb' }, { CORTEXQL_COMPUTE_ROLES: 'none', CORTEXQL_CORS_ORIGINS: 'https://a.example, *' })).toMatchObject({
      auth: { compute: { roles: [] } }, corsOrigins: ['https://a.example', '*'],
    });
    expect(() => resolveConfig({ db: '/tmp/x.duckdb', readers: '0' })).toThrow(/readers must be a whole number from 1 to 256/);
    expect(() => resolveConfig({ db: '/tmp/x.duckdb', corsOrigin: 'observablehq.com' })).toThrow(/a CORS origin is '\*' or scheme:\/\/host\[:port\]/);
  });
});
