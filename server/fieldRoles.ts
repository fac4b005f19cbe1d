import { getNamedType, isInterfaceType, isObjectType, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { REQUIRED_ROLE } from '../resolvers/requiresRole.js';
import type { Role } from '../warehouse/apiKeysRepo.js';

/**
 * The roles the fields an operation selects need (resolvers/requiresRole.ts), following fragments once each (a linear walk
 * of the operation; the document limits have bounded its size before this runs).
 */
export function requiredRoles(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): { role: Role; field: string }[] {
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition').map((f) => [f.name.value, f]));
  const root = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  const found: { role: Role; field: string }[] = [];
  const seen = new Set<string>();
  const walk = (typeName: string | undefined, set: SelectionSetNode) => {
    const type = typeName ? schema.getType(typeName) : undefined;
    for (const sel of set.selections) {
      if (sel.kind === 'Field') {
        const field = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[sel.name.value] : undefined;
        const role = field?.extensions?.[REQUIRED_ROLE] as Role | undefined;
        if (role) found.push({ role, field: `${typeName}.${sel.name.value}` });
        if (sel.selectionSet && field) walk(getNamedType(field.type).name, sel.selectionSet);
      } else if (sel.kind === 'InlineFragment') {
        walk(sel.typeCondition?.name.value ?? typeName, sel.selectionSet);
      } else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        const fragment = fragments.get(sel.name.value);
        if (fragment) walk(fragment.typeCondition.name.value, fragment.selectionSet);
      }
    }
  };
  walk(root?.name, operation.selectionSet);
  return found;
}
