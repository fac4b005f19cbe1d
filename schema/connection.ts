import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Relay page info: whether more items follow, and the cursors that bound this page.' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'Always false: pages move forward with `after`.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** The fields every connection shares; subclasses add `edges` and `nodes` of their type. */
@ObjectType()
export abstract class ConnectionBase {
  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Items matching the filter, across all pages.' })
  totalCount!: number;
}
