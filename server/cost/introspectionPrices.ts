import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isUnionType, type GraphQLSchema } from 'graphql';

/**
 * How many items each introspection list holds in this schema, on average: the multiplier
 * of that list's selection in the cost of an introspection query. A full walk of the schema
 * (GraphiQL's query) is priced at about its real size; 1,000 aliases of one are priced 1,000
 * times over, and nested `type { fields { type { fields … } } }` grows as it really does.
 */
export function introspectionListSizes(schema: GraphQLSchema): ReadonlyMap<string, number> {
  const types = Object.values(schema.getTypeMap());
  const avg = (counts: number[]) => Math.max(1, Math.ceil(counts.reduce((s, c) => s + c, 0) / Math.max(1, counts.length)));
  const withFields = types.filter((t) => isObjectType(t) || isInterfaceType(t)) as { getFields(): Record<string, { args: readonly unknown[] }>; getInterfaces(): readonly unknown[] }[];
  const fields = withFields.flatMap((t) => Object.values(t.getFields()));
  const directives = schema.getDirectives();
  return new Map([
    ['__Schema.types', types.length],
    ['__Schema.directives', directives.length],
    ['__Type.fields', avg(withFields.map((t) => Object.keys(t.getFields()).length))],
    ['__Type.interfaces', avg(withFields.map((t) => t.getInterfaces().length))],
    ['__Type.possibleTypes', avg(types.filter((t) => isUnionType(t) || isInterfaceType(t)).map((t) => (isUnionType(t) ? t.getTypes().length : schema.getImplementations(t as never).objects.length)))],
    ['__Type.enumValues', avg(types.filter(isEnumType).map((t) => t.getValues().length))],
    ['__Type.inputFields', avg(types.filter(isInputObjectType).map((t) => Object.keys(t.getFields()).length))],
    ['__Field.args', avg(fields.map((f) => f.args.length))],
    ['__Directive.args', avg(directives.map((d) => d.args.length))],
    ['__Directive.locations', avg(directives.map((d) => d.locations.length))],
  ]);
}
