import type { Warehouse, WriteTx } from './Warehouse.js';

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

/** Stores a new key: only the secret's sha256 is kept. */
export async function insertApiKey(tx: WriteTx, key: { keyId: string; name: string; role: Role; secretSha256: string }): Promise<void> {
  await tx.run('INSERT INTO api_keys (key_id, name, role, secret_sha256) VALUES (?, ?, ?, ?)', [key.keyId, key.name, key.role, key.secretSha256]);
}

/** Marks a key revoked (keeping the first revocation time); false when there is no such key. */
export async function revokeApiKeyRow(tx: WriteTx, keyId: string): Promise<boolean> {
  const [row] = await tx.all<{ n: number }>('SELECT count(*) AS n FROM api_keys WHERE key_id = ?', [keyId]);
  if (!row || row.n === 0) return false;
  await tx.run('UPDATE api_keys SET revoked = coalesce(revoked, current_timestamp) WHERE key_id = ?', [keyId]);
  return true;
}

export async function listApiKeys(wh: Warehouse): Promise<ApiKeyInfo[]> {
  return wh.all<ApiKeyInfo>('SELECT key_id AS "keyId", name, role, created, revoked FROM api_keys ORDER BY created, key_id', [], { cache: false });
}

/** A key's role, secret hash and revocation, for verification. */
export async function apiKeySecret(wh: Warehouse, keyId: string): Promise<{ role: Role; hash: string; revoked: Date | null } | null> {
  const [row] = await wh.all<{ role: Role; hash: string; revoked: Date | null }>('SELECT role, secret_sha256 AS hash, revoked FROM api_keys WHERE key_id = ?', [keyId]);
  return row ?? null;
}
