import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthConfig } from '../../server/auth.js';
import { createApiKey } from '../../services/apiKeys.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const READ = `{ models(first: 1) { totalCount } }`;
const WRITE = `mutation { registerModel(input: { id: "auth-probe" }) { id } }`;
const KEYS_READ = `{ apiKeys { keyId role } }`;
const KEYS_WRITE = `mutation { createApiKey(name: "made-by-test", role: reader) { key } }`;
const OPERATIONS = { read: READ, write: WRITE, listKeys: KEYS_READ, createKey: KEYS_WRITE } as const;

/** Who may do what: anonymous (off) and each role. */
const EXPECTED: Record<string, Record<keyof typeof OPERATIONS, string>> = {
  anonymous: { read: 'UNAUTHENTICATED', write: 'UNAUTHENTICATED', listKeys: 'UNAUTHENTICATED', createKey: 'UNAUTHENTICATED' },
  invalid: { read: 'UNAUTHENTICATED', write: 'UNAUTHENTICATED', listKeys: 'UNAUTHENTICATED', createKey: 'UNAUTHENTICATED' },
  revoked: { read: 'UNAUTHENTICATED', write: 'UNAUTHENTICATED', listKeys: 'UNAUTHENTICATED', createKey: 'UNAUTHENTICATED' },
  reader: { read: 'OK', write: 'FORBIDDEN', listKeys: 'FORBIDDEN', createKey: 'FORBIDDEN' },
  writer: { read: 'OK', write: 'OK', listKeys: 'FORBIDDEN', createKey: 'FORBIDDEN' },
  admin: { read: 'OK', write: 'OK', listKeys: 'OK', createKey: 'OK' },
};

const AUTH: AuthConfig = {
  anonymousRole: null,
  limits: {
    reader: { maxCost: 50, requestsPerMinute: 1000 },
    writer: { maxCost: 5000, requestsPerMinute: 1000 },
    admin: { maxCost: 5000, requestsPerMinute: 1000 },
  },
};

describe('API keys and roles', () => {
  let t: TestServer;
  const keys: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestServer({ auth: AUTH });
    for (const role of ['reader', 'writer', 'admin'] as const) keys[role] = (await createApiKey(t.wh, `test ${role}`, role)).key;
    keys.revoked = (await createApiKey(t.wh, 'soon revoked', 'admin')).key;
    keys.invalid = `${keys.admin.slice(0, -4)}abcd`;
    const admin = { authorization: `Bearer ${keys.admin}` };
    const id = /^cq_([0-9a-f]+)_/.exec(keys.revoked)![1];
    expect((await t.gql(`mutation { revokeApiKey(keyId: "${id}") }`, {}, admin)).body.data).toEqual({ revokeApiKey: true });
  });
  afterAll(() => t.close());

  for (const [who, expected] of Object.entries(EXPECTED)) {
    for (const [op, outcome] of Object.entries(expected)) {
      it(`${who} × ${op} → ${outcome}`, async () => {
        const headers: Record<string, string> = who === 'anonymous' ? {} : { authorization: `Bearer ${keys[who]}` };
        const before = await t.wh.all('SELECT count(*) AS n FROM models', [], { cache: false });
        const { status, body } = await t.gql(OPERATIONS[op as keyof typeof OPERATIONS], {}, headers);
        if (outcome === 'OK') {
          expect(body.errors).toBeUndefined();
          expect(status).toBe(200);
        } else {
          expect(body.errors?.[0]?.extensions?.code).toBe(outcome);
          // Refused before execution: 401 without a valid key, 403 for a mutation below writer.
          // Admin-only fields are refused while executing (GraphQL's usual 200 with errors).
          const isMutation = op === 'write' || op === 'createKey';
          const fieldLevel = op === 'listKeys' || (who === 'writer' && isMutation);
          expect(status).toBe(outcome === 'UNAUTHENTICATED' ? 401 : fieldLevel ? 200 : 403);
          if (op === 'write') expect(await t.wh.all('SELECT count(*) AS n FROM models', [], { cache: false })).toEqual(before);
        }
      });
    }
  }

  it('accepts the key in x-api-key too, and stores only hashes', async () => {
    const { body } = await t.gql(READ, {}, { 'x-api-key': keys.reader });
    expect(body.data).toEqual({ models: { totalCount: expect.any(Number) } });
    const stored = await t.wh.all<{ secret_sha256: string }>('SELECT secret_sha256 FROM api_keys', [], { cache: false });
    for (const { secret_sha256 } of stored) {
      expect(secret_sha256).toMatch(/^[0-9a-f]{64}$/);
      for (const key of Object.values(keys)) expect(key).not.toContain(secret_sha256);
    }
  });

  it('applies per-role cost ceilings', async () => {
    const q = `{ models(first: 10) { nodes { checkpoints(first: 10) { nodes { step } } } } }`;
    const reader = await t.gql(q, {}, { authorization: `Bearer ${keys.reader}` });
    expect(reader.body.errors?.[0].extensions).toMatchObject({ code: 'COST_LIMIT', maxCost: 50 });
    const writer = await t.gql(q, {}, { authorization: `Bearer ${keys.writer}` });
    expect(writer.body.errors).toBeUndefined();
  });

  it('rate-limits per key with RATE_LIMITED (429)', async () => {
    const limited = await startTestServer({ withPythia: false, auth: { anonymousRole: 'reader', limits: { ...AUTH.limits, reader: { maxCost: 1000, requestsPerMinute: 5 } } } });
    try {
      const results = [];
      for (let i = 0; i < 7; i++) results.push(await limited.gql(READ));
      expect(results.slice(0, 5).every((r) => r.status === 200)).toBe(true);
      expect(results[5].status).toBe(429);
      expect(results[5].body.errors?.[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    } finally {
      await limited.close();
    }
  });

  it('lets anonymous readers read but not write when anonymous read is on (the demo setting)', async () => {
    const demo = await startTestServer({ withPythia: false, auth: { ...AUTH, anonymousRole: 'reader' } });
    try {
      expect((await demo.gql(READ)).body.data).toEqual({ models: { totalCount: 0 } });
      const write = await demo.gql(WRITE);
      expect(write.status).toBe(403);
      expect(write.body.errors?.[0]).toMatchObject({ message: 'mutations need the writer or admin role; this request has anonymous reader access', extensions: { code: 'FORBIDDEN' } });
    } finally {
      await demo.close();
    }
  });
});
