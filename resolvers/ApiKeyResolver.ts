import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { ApiKey, CreatedApiKey } from '../schema/ApiKey.type.js';
import { Role } from '../schema/enums.js';
import { createApiKey, revokeApiKey } from '../services/apiKeys.js';
import { listApiKeys } from '../warehouse/apiKeysRepo.js';
import type { Context } from './context.js';
import { RequiresRole } from './requiresRole.js';

@Resolver()
export class ApiKeyResolver {
  @RequiresRole('admin')
  @Query(() => [ApiKey], { description: 'API keys (admin only).' })
  async apiKeys(@Ctx() ctx: Context): Promise<ApiKey[]> {
    return listApiKeys(ctx.wh);
  }

  @RequiresRole('admin')
  @Mutation(() => CreatedApiKey, { description: 'Creates an API key (admin only). Keys are stored hashed.' })
  async createApiKey(
    @Ctx() ctx: Context,
    @Arg('name', () => String, { description: 'Who or what the key is for.' }) name: string,
    @Arg('role', () => Role, { description: 'What the key may do.' }) role: Role,
  ): Promise<CreatedApiKey> {
    return createApiKey(ctx.wh, name, role);
  }

  @RequiresRole('admin')
  @Mutation(() => Boolean, { description: 'Revokes an API key (admin only); it stops working at once.' })
  async revokeApiKey(@Ctx() ctx: Context, @Arg('keyId', () => ID, { description: 'The key’s id (`ApiKey.keyId`).' }) keyId: string): Promise<boolean> {
    await revokeApiKey(ctx.wh, keyId);
    return true;
  }
}
