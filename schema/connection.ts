import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { SortDirection } from './enums.js';

@ObjectType({ description: 'Relay page info: whether more items follow, and the cursors that bound this page.' })
export class PageInfo {
  @Field(() => Boolean, { description: 'Whether more items follow: ask again with `after: endCursor`.' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'Always false: pages move forward with `after`.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'The cursor of the page’s first item.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'The cursor of the page’s last item: pass it as `after` for the next page.' })
  endCursor!: string | null;
}

/** The fields every connection shares; subclasses add `edges` and `nodes` of their type. */
@ObjectType()
export abstract class ConnectionBase {
  @Field(() => PageInfo, { description: 'Where this page is in the whole list.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'Items matching the filter, across all pages.' })
  totalCount!: number;
}

/** The direction every `orderBy` input shares; subclasses add the `field` of their connection. */
@InputType()
export abstract class OrderBase {
  @Field(() => SortDirection, { defaultValue: SortDirection.ASC, description: 'ASC (smallest first) or DESC (largest first).' })
  direction!: SortDirection;
}
