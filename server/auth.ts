import type { GraphQLError } from 'graphql';
import type { IncomingMessage } from 'node:http';
import type { AuthChecker } from 'type-graphql';
import type { Context, Principal } from '../resolvers/context.js';
import { verifyApiKey } from '../services/apiKeys.js';
import type { Role } from '../warehouse/apiKeysRepo.js';
import type { Warehouse } from '../warehouse/Warehouse.js';
import { requestError } from './httpErrors.js';

export interface RoleLimits {
  readonly maxCost: number;
  readonly requestsPerMinute: number;
}

export interface AuthConfig {
  /** The role of requests without a key; null refuses them (the default outside the demo). */
  readonly anonymousRole: Role | null;
  readonly limits: Readonly<Record<Role, RoleLimits>>;
}

const RANK: Record<Role, number> = { reader: 1, writer: 2, admin: 3 };

export function hasRole(role: Role | null, needed: Role): boolean {
  return role !== null && RANK[role] >= RANK[needed];
}

export function authError(code: 'UNAUTHENTICATED' | 'FORBIDDEN' | 'RATE_LIMITED', message: string): GraphQLError {
  return requestError(code, message);
}

/**
 * Reads `Authorization: Bearer <key>` or `x-api-key: <key>`. A key that is present but invalid
 * or revoked is refused outright (never downgraded to anonymous), so a typo is noticed.
 */
export async function authenticate(req: IncomingMessage, wh: Warehouse, config: AuthConfig): Promise<Principal> {
  const header = req.headers.authorization;
  const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : (req.headers['x-api-key'] as string | undefined);
  if (!token) return { role: config.anonymousRole, keyId: null, bucket: `ip:${req.socket.remoteAddress ?? 'unknown'}` };
  const key = await verifyApiKey(wh, token);
  if (!key) throw authError('UNAUTHENTICATED', 'invalid or revoked API key');
  return { role: key.role, keyId: key.keyId, bucket: `key:${key.keyId}` };
}

/** type-graphql's check for `@Authorized(role)` fields: the principal's role must rank at least that high. */
export const authChecker: AuthChecker<Context, Role> = ({ context }, roles) => roles.every((r) => hasRole(context.principal.role, r));

/** Auth for in-process tools and tests: anonymous requests get `anonymousRole`, limits are generous. */
export function localAuth(anonymousRole: Role | null = 'admin', maxCost = 200_000): AuthConfig {
  const limits = { maxCost, requestsPerMinute: 1_000_000 };
  return { anonymousRole, limits: { reader: limits, writer: limits, admin: limits } };
}
