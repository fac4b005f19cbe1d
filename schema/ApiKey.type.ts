import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum RoleEnum {
  reader = 'reader',
  writer = 'writer',
  admin = 'admin',
}
registerEnumType(RoleEnum, {
  name: 'Role',
  description: 'reader: queries. writer: queries and mutations (imports, computations). admin: everything, including API keys.',
});

@ObjectType({ simpleResolvers: true, description: 'An API key (its secret is never shown again after creation).' })
export class ApiKey {
  @Field(() => ID)
  keyId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => RoleEnum)
  role!: RoleEnum;

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
