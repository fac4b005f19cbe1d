import { Authorized, Extensions } from 'type-graphql';
import type { Role } from '../warehouse/apiKeysRepo.js';

/** The schema extension that names the role a field needs (read by server/fieldRoles.ts). */
export const REQUIRED_ROLE = 'requiredRole';

/**
 * Marks a resolver field as needing `role`: type-graphql's `@Authorized` (checked as the field
 * runs) and a schema extension that the server reads before anything runs, so a request
 * selecting the field is refused whole with 403 FORBIDDEN — the same status and code as a
 * mutation sent without the writer role — instead of a 200 with a field error.
 */
export function RequiresRole(role: Role): MethodDecorator {
  const authorized = Authorized(role);
  const extensions = Extensions({ [REQUIRED_ROLE]: role });
  return (target, key, descriptor) => {
    authorized(target, key, descriptor);
    extensions(target, key, descriptor);
  };
}
