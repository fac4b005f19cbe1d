import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { ApiKey, CreatedApiKey } from '../schema/ApiKey.type.js';
import { Role } from '../schema/enums.js';
import { createApiKey, revokeApiKey } from '../services/apiKeys.js';
import { listApiKeys } from '../warehouse/apiKeysRepo.js';
import type { Context } from './context.js';

@Resolver()
export class ApiKeyResolver {
  @Authorized('admin')
  @Query(() => [ApiKey], { description: 'API keys (admin only).' })
  async apiKeys(@Ctx() ctx: Context): Promise<ApiKey[]> {
    return listApiKeys(ctx.wh);
  }

  @Authorized('admin')
  @Mutation(() => CreatedApiKey, { description: 'Creates an API key (admin only). Keys are stored hashed.' })
  async createApiKey(@Ctx() ctx: Context, @Arg('name', () => String) name: string, @Arg('role', () => Role) role: Role): Promise<CreatedApiKey> {
    return createApiKey(ctx.wh, name, role);
  }

  @Authorized('admin')
  @Mutation(() => Boolean, { description: 'Revokes an API key (admin only); it stops working at once.' })
  async revokeApiKey(@Ctx() ctx: Context, @Arg('keyId', () => ID) keyId: string): Promise<boolean> {
    await revokeApiKey(ctx.wh, keyId);
    return true;
  }
}
