import { Field, ID, ObjectType } from 'type-graphql';
import type { ApiKeyInfo } from '../warehouse/apiKeysRepo.js';
import { Role } from './enums.js';

@ObjectType({ simpleResolvers: true, description: 'An API key (its secret is never shown again after creation).' })
export class ApiKey implements ApiKeyInfo {
  @Field(() => ID)
  keyId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Role)
  role!: Role;

  @Field(() => Date)
  created!: Date;

  @Field(() => Date, { nullable: true })
  revoked!: Date | null;
}

@ObjectType({ simpleResolvers: true })
export class CreatedApiKey {
  @Field(() => String, { description: 'The key to send as `Authorization: Bearer <key>`. Shown only now.' })
  key!: string;

  @Field(() => ApiKey)
  info!: ApiKey;
}
