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
  /** Refused requests (400, 401, 403, 413, 415, 429) allowed per client address and minute (default 120). */
  readonly refusedPerMinute?: number;
}

const RANK: Record<Role, number> = { reader: 1, writer: 2, admin: 3 };

export function hasRole(role: Role | null, needed: Role): boolean {
  return role !== null && RANK[role] >= RANK[needed];
}

export function authError(code: 'UNAUTHENTICATED' | 'FORBIDDEN' | 'RATE_LIMITED', message: string): GraphQLError {
  return requestError(code, message);
}

/**
 * Reads `Authorization: Bearer <key>` (the scheme case-insensitively, RFC 7235 §2.1) or
 * `x-api-key: <key>`. A key that is present but invalid or revoked is refused outright (never
 * downgraded to anonymous), so a typo is noticed; so is an Authorization header with another
 * scheme or an empty credential.
 */
export async function authenticate(req: IncomingMessage, wh: Warehouse, config: AuthConfig): Promise<Principal> {
  const header = req.headers.authorization;
  let token = req.headers['x-api-key'] as string | undefined;
  if (header !== undefined) {
    const match = /^\s*bearer(?:\s+(.*))?$/i.exec(header);
    if (!match) throw authError('UNAUTHENTICATED', 'the Authorization header must use the Bearer scheme: Authorization: Bearer <key>');
    token = match[1]?.trim();
    if (!token) throw authError('UNAUTHENTICATED', 'the Authorization header has an empty key: Authorization: Bearer <key>');
  }
  if (token === undefined) return { role: config.anonymousRole, keyId: null, bucket: `ip:${req.socket.remoteAddress ?? 'unknown'}` };
  if (!token.trim()) throw authError('UNAUTHENTICATED', 'the x-api-key header is empty');
  const key = await verifyApiKey(wh, token.trim());
  if (!key) throw authError('UNAUTHENTICATED', 'invalid or revoked API key');
  return { role: key.role, keyId: key.keyId, bucket: `key:${key.keyId}` };
}

/** type-graphql's check for `@Authorized(role)` fields: the principal's role must rank at least that high. */
export const authChecker: AuthChecker<Context, Role> = ({ context }, roles) => roles.every((r) => hasRole(context.principal.role, r));

/** Auth for in-process tools and tests: anonymous requests get `anonymousRole`, limits are generous. */
export function localAuth(anonymousRole: Role | null = 'admin', maxCost = 200_000): AuthConfig {
  const limits = { maxCost, requestsPerMinute: 1_000_000 };
  return { anonymousRole, limits: { reader: limits, writer: limits, admin: limits }, refusedPerMinute: 1_000_000 };
}
