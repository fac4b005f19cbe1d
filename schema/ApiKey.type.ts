import { Field, ID, ObjectType } from 'type-graphql';
import type { ApiKeyInfo } from '../warehouse/apiKeysRepo.js';
import { Role } from './enums.js';

@ObjectType({ simpleResolvers: true, description: 'An API key (its secret is never shown again after creation).' })
export class ApiKey implements ApiKeyInfo {
  @Field(() => ID, { description: 'The key’s id: the part of the key before its secret, safe to show.' })
  keyId!: string;

  @Field(() => String, { description: 'Who or what the key is for.' })
  name!: string;

  @Field(() => Role, { description: 'What the key may do.' })
  role!: Role;

  @Field(() => Date, { description: 'When it was created.' })
  created!: Date;

  @Field(() => Date, { nullable: true, description: 'When it was revoked; null while it works.' })
  revoked!: Date | null;
}

@ObjectType({ simpleResolvers: true, description: 'A new API key, with its secret shown this once.' })
export class CreatedApiKey {
  @Field(() => String, { description: 'The key to send as `Authorization: Bearer <key>`. Shown only now.' })
  key!: string;

  @Field(() => ApiKey, { description: 'The key as `apiKeys` lists it.' })
  info!: ApiKey;
}
