import { requestError } from '../httpErrors.js';
import {
  GraphQLError,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  getArgumentValues,
  getNamedType,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { WarehouseStats } from '../../warehouse/statsRepo.js';
import { fieldPrice } from './costModel.js';

/** What one operation asks for, counted as it would execute (every fragment spread expanded). */
export interface OperationAnalysis {
  /** Fields on the longest path of data fields (introspection subtrees excluded). */
  readonly depth: number;
  /** Fields on the longest path inside `__schema` / `__type` subtrees. */
  readonly introspectionDepth: number;
  /** Field selections, fragments expanded. */
  readonly fields: number;
  readonly aliases: number;
  readonly directives: number;
  /** Estimated cost in units (server/cost/costModel.ts). */
  readonly cost: number;
  /** The longest a field asks to wait for a computation (`policy: WAIT`, `waitSeconds`), in ms. */
  readonly waitMs: number;
}

export interface AnalysisInput {
  /** Without a schema (before validation) fields are untyped: counts and depths are exact, the cost counts 1 per field. */
  readonly schema: GraphQLSchema | null;
  readonly document: DocumentNode;
  readonly operation: OperationDefinitionNode;
  /** Coerced variable values. */
  readonly variables: Readonly<Record<string, unknown>>;
  readonly stats: WarehouseStats;
  /** Average lengths of introspection lists (introspectionListSizes). */
  readonly introspectionLists: ReadonlyMap<string, number>;
  /** Longest string literal accepted in an argument. */
  readonly maxStringLength: number;
}

interface Summary {
  depth: number;
  introspectionDepth: number;
  fields: number;
  aliases: number;
  directives: number;
  cost: number;
}

const empty = (): Summary => ({ depth: 0, introspectionDepth: 0, fields: 0, aliases: 0, directives: 0, cost: 0 });

/**
 * Depth, field count, aliases, directives and cost of an operation in ONE pass, linear in the
 * document: each fragment is summarised once (memoised by name) and a spread adds its summary,
 * so `fragment F0 { ...F1 ...F1 } fragment F1 { ...F2 ...F2 } …` costs one visit per fragment
 * while its counts grow as 2^levels — and are refused. The counts are the expanded ones, the
 * size of what execution would really do. Runs after validation (no fragment cycles, known
 * fields and types); the nesting it recurses through is bounded before parsing (sourceGuard.ts).
 *
 * Also refuses argument literals that cannot be meant: numbers that overflow to ±Infinity
 * (`1e400`) and strings longer than `maxStringLength` (a 10 MB id).
 */
export function analyzeOperation(input: AnalysisInput): OperationAnalysis {
  const { schema, document, variables, stats, introspectionLists } = input;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const memo = new Map<string, Summary>();
  let waitMs = 0;

  const fieldDef = (parent: GraphQLCompositeType | null, name: string): GraphQLField<unknown, unknown> | undefined => {
    if (!schema || !parent) return undefined;
    if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
    if (parent === schema.getQueryType()) {
      if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
      if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    }
    return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
  };

  const typeNamed = (name: string): GraphQLCompositeType | null => {
    const type = schema?.getType(name);
    return type && isCompositeType(type) ? type : null;
  };

  const visit = (set: SelectionSetNode, parent: GraphQLCompositeType | null, inIntrospection: boolean): Summary => {
    const s = empty();
    const add = (c: Summary) => {
      s.depth = Math.max(s.depth, c.depth);
      s.introspectionDepth = Math.max(s.introspectionDepth, c.introspectionDepth);
      s.fields += c.fields;
      s.aliases += c.aliases;
      s.directives += c.directives;
      s.cost += c.cost;
    };
    for (const sel of set.selections) {
      s.directives += sel.directives?.length ?? 0;
      if (sel.kind === Kind.FIELD) {
        const def = fieldDef(parent, sel.name.value);
        const name = sel.name.value;
        const intro = inIntrospection || name === SchemaMetaFieldDef.name || name === TypeMetaFieldDef.name;
        const type = def ? getNamedType(def.type) : null;
        const child = sel.selectionSet ? visit(sel.selectionSet, type && isCompositeType(type) ? type : null, intro) : empty();
        for (const arg of sel.arguments ?? []) checkLiteral(arg.value, arg.name.value, input.maxStringLength);
        let cost = 1 + child.cost;
        if (def && parent) {
          const coordinate = `${parent.name}.${def.name}`;
          if (def.args.some((a) => a.name === 'waitSeconds')) {
            const { policy, waitSeconds } = argumentValues(def, sel, variables);
            if (policy === 'WAIT' && typeof waitSeconds === 'number') waitMs = Math.max(waitMs, Math.min(Math.max(waitSeconds, 0), 600) * 1000);
          }
          if (intro) cost = 1 + (introspectionLists.get(coordinate) ?? 1) * child.cost;
          else {
            const price = fieldPrice(coordinate, def.args.some((a) => a.name === 'first') && type!.name.endsWith('Connection'));
            if (price) cost = price.price({ args: argumentValues(def, sel, variables), childCost: child.cost, stats });
          }
        }
        s.fields += 1 + child.fields;
        s.aliases += (sel.alias ? 1 : 0) + child.aliases;
        s.directives += child.directives;
        s.cost += cost;
        if (intro) s.introspectionDepth = Math.max(s.introspectionDepth, 1 + Math.max(child.depth, child.introspectionDepth));
        else {
          s.depth = Math.max(s.depth, 1 + child.depth);
          s.introspectionDepth = Math.max(s.introspectionDepth, child.introspectionDepth);
        }
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        add(visit(sel.selectionSet, sel.typeCondition ? typeNamed(sel.typeCondition.name.value) : parent, inIntrospection));
      } else {
        const key = `${sel.name.value}\u0000${inIntrospection}`;
        let summary = memo.get(key);
        if (!summary) {
          memo.set(key, empty()); // a cycle (refused by validation) would count as empty
          const frag = fragments.get(sel.name.value);
          summary = frag ? visit(frag.selectionSet, typeNamed(frag.typeCondition.name.value), inIntrospection) : empty();
          if (frag) summary.directives += frag.directives?.length ?? 0;
          memo.set(key, summary);
        }
        add(summary);
      }
    }
    return s;
  };

  const op = input.operation.operation;
  const root = (op === 'query' ? schema?.getQueryType() : op === 'mutation' ? schema?.getMutationType() : schema?.getSubscriptionType()) ?? null;
  const summary = visit(input.operation.selectionSet, root, false);
  summary.directives += input.operation.directives?.length ?? 0;
  return { ...summary, waitMs };
}

function argumentValues(def: GraphQLField<unknown, unknown>, node: Parameters<typeof getArgumentValues>[1], variables: Readonly<Record<string, unknown>>): Record<string, unknown> {
  try {
    return getArgumentValues(def, node, variables as Record<string, unknown>);
  } catch (error) {
    throw requestError('BAD_USER_INPUT', (error as Error).message);
  }
}

/** Refuses number literals that overflow to ±Infinity and over-long strings, anywhere in an argument's value. */
function checkLiteral(value: ValueNode, argument: string, maxString: number): void {
  switch (value.kind) {
    case Kind.INT:
    case Kind.FLOAT:
      if (!Number.isFinite(Number(value.value))) {
        throw badLiteral(`argument '${argument}': ${value.value.slice(0, 40)} is not a finite number`, argument);
      }
      return;
    case Kind.STRING:
      if (value.value.length > maxString) throw badLiteral(`argument '${argument}': a string of ${value.value.length} characters exceeds the limit of ${maxString}`, argument);
      return;
    case Kind.LIST:
      for (const v of value.values) checkLiteral(v, argument, maxString);
      return;
    case Kind.OBJECT:
      for (const f of value.fields) checkLiteral(f.value, argument, maxString);
      return;
    default:
      return;
  }
}

function badLiteral(message: string, argument: string): GraphQLError {
  return requestError('BAD_USER_INPUT', message, { argument });
}
