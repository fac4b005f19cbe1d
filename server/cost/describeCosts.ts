import { getNamedType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import { fieldPrice } from './costModel.js';

/**
 * Appends each priced field's cost formula to its description, so the schema (and GraphiQL's
 * docs) state the rule the server applies — the formulas live once, in costModel.ts.
 */
export function describeCosts(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || !(isObjectType(type) || isInterfaceType(type))) continue;
    for (const field of Object.values(type.getFields())) {
      const connection = field.args.some((a) => a.name === 'first') && getNamedType(field.type).name.endsWith('Connection');
      const price = fieldPrice(`${type.name}.${field.name}`, connection);
      if (price && !field.description?.includes('Cost: ')) field.description = `${field.description ? `${field.description}\n\n` : ''}Cost: ${price.formula}.`;
    }
  }
  return schema;
}
