import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { badInput, notFound } from '../errors/CortexError.js';
import { apiKeySecret, insertApiKey, listApiKeys, revokeApiKeyRow, ROLES, type ApiKeyInfo, type Role } from '../warehouse/apiKeysRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';

/**
 * API keys look like `cq_<keyId>_<secret>`. Only the secret's sha256 is stored: a leaked
 * warehouse file does not leak usable keys, and the full key is shown once, at creation.
 */
export async function createApiKey(wh: Warehouse, name: string, role: Role): Promise<{ key: string; info: ApiKeyInfo }> {
  if (!ROLES.includes(role)) throw badInput(`role must be one of ${ROLES.join(', ')} (got '${role}')`, { field: 'role' });
  if (!/^[\w .@-]{1,100}$/.test(name)) throw badInput('name must be 1–100 letters, digits, spaces, ".", "@", "-" or "_"', { field: 'name' });
  const keyId = randomBytes(6).toString('hex');
  const secret = randomBytes(24).toString('base64url');
  await wh.write((tx) => insertApiKey(tx, { keyId, name, role, secretSha256: sha256(secret) }));
  return { key: `cq_${keyId}_${secret}`, info: (await listApiKeys(wh)).find((k) => k.keyId === keyId)! };
}

export async function revokeApiKey(wh: Warehouse, keyId: string): Promise<void> {
  await wh.write(async (tx) => {
    if (!(await revokeApiKeyRow(tx, keyId))) throw notFound('API key', keyId);
  });
}

/** The key's id and role if `token` is a valid, unrevoked key; null otherwise. */
export async function verifyApiKey(wh: Warehouse, token: string): Promise<{ keyId: string; role: Role } | null> {
  const m = /^cq_([0-9a-f]{12})_([\w-]{32})$/.exec(token);
  if (!m) return null;
  const row = await apiKeySecret(wh, m[1]);
  if (!row || row.revoked !== null) return null;
  const ok = timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(sha256(m[2]), 'hex'));
  return ok ? { keyId: m[1], role: row.role } : null;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
