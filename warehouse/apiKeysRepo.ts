import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { badInput, notFound } from '../errors/CortexError.js';
import type { Warehouse } from './Warehouse.js';

/** reader: queries. writer: queries and mutations (imports, computations). admin: everything, including API keys. */
export const Role = {
  reader: 'reader',
  writer: 'writer',
  admin: 'admin',
} as const;
export type Role = (typeof Role)[keyof typeof Role];
export const ROLES: readonly Role[] = Object.values(Role);

export function isRole(value: unknown): value is Role {
  return ROLES.some((r) => r === value);
}

export interface ApiKeyInfo {
  readonly keyId: string;
  readonly name: string;
  readonly role: Role;
  readonly created: Date;
  readonly revoked: Date | null;
}

/**
 * API keys look like `cq_<keyId>_<secret>`. Only the secret's sha256 is stored: a leaked
 * warehouse file does not leak usable keys, and the full key is shown once, at creation.
 */
export async function createApiKey(wh: Warehouse, name: string, role: Role): Promise<{ key: string; info: ApiKeyInfo }> {
  if (!ROLES.includes(role)) throw badInput(`role must be one of ${ROLES.join(', ')} (got '${role}')`, { field: 'role' });
  if (!/^[\w .@-]{1,100}$/.test(name)) throw badInput('name must be 1–100 letters, digits, spaces, ".", "@", "-" or "_"', { field: 'name' });
  const keyId = randomBytes(6).toString('hex');
  const secret = randomBytes(24).toString('base64url');
  await wh.write((tx) => tx.run('INSERT INTO api_keys (key_id, name, role, secret_sha256) VALUES (?, ?, ?, ?)', [keyId, name, role, sha256(secret)]));
  return { key: `cq_${keyId}_${secret}`, info: (await listApiKeys(wh)).find((k) => k.keyId === keyId)! };
}

export async function revokeApiKey(wh: Warehouse, keyId: string): Promise<void> {
  const [row] = await wh.all<{ n: number }>('SELECT count(*) AS n FROM api_keys WHERE key_id = ?', [keyId], { cache: false });
  if (!row || row.n === 0) throw notFound('API key', keyId);
  await wh.write((tx) => tx.run('UPDATE api_keys SET revoked = coalesce(revoked, current_timestamp) WHERE key_id = ?', [keyId]));
}

export async function listApiKeys(wh: Warehouse): Promise<ApiKeyInfo[]> {
  return wh.all<ApiKeyInfo>('SELECT key_id AS "keyId", name, role, created, revoked FROM api_keys ORDER BY created, key_id', [], { cache: false });
}

/** The key's id and role if `token` is a valid, unrevoked key; null otherwise. */
export async function verifyApiKey(wh: Warehouse, token: string): Promise<{ keyId: string; role: Role } | null> {
  const m = /^cq_([0-9a-f]{12})_([\w-]{32})$/.exec(token);
  if (!m) return null;
  const [row] = await wh.all<{ role: Role; hash: string; revoked: Date | null }>(
    'SELECT role, secret_sha256 AS hash, revoked FROM api_keys WHERE key_id = ?',
    [m[1]!],
  );
  if (!row || row.revoked !== null) return null;
  const ok = timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(sha256(m[2]!), 'hex'));
  return ok ? { keyId: m[1]!, role: row.role } : null;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
