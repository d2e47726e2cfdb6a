import {
  getNamedType,
  getNullableType,
  getVariableValues,
  GraphQLInt,
  isCompositeType,
  isListType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  valueFromAST,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { badUserInput } from '../../platform/errors.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../platform/relay.ts';

/** Points every root field of a mutation adds on top of its selection (Shopify's mutation cost). */
export const MUTATION_COST = 10;

/**
 * The requested cost of one operation in points, in the style of Shopify's calculated query cost
 * (https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits), computed on the parsed,
 * validated operation before anything executes:
 *
 * - a field of an object, interface or union type costs 1 plus its selection; scalars and enums cost 0;
 * - a connection field (one taking `first`/`last` whose type has `edges`) may return a page of up to
 *   `first ?? last ?? 20` items, so each list field directly inside it (`edges`) counts that many times;
 * - every root field of a mutation adds `MUTATION_COST`;
 * - fragments count where they are spread (a fragment spread twice in one selection set executes,
 *   and counts, once). Other lists count once: their size is not known in advance;
 * - every operation costs at least 1, so a flood of `{ __typename }` is limited like anything else.
 *
 * The result is an upper bound: `@skip`/`@include` and the branches of abstract types all count.
 *
 * @param variables the request's raw variables; invalid ones count as absent (execution refuses them).
 * @throws BAD_USER_INPUT (HTTP 400) when a connection asks for more than 100 items a page (README "Using the API").
 */
export function operationCost(args: {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown> | undefined;
}): number {
  const { schema, operation, fragments } = args;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], args.variables ?? {});
  const variables = 'coerced' in coerced ? coerced.coerced : {};
  // Cost of each fragment by name and page size, so a document that spreads fragments inside
  // fragments is costed in time linear in its size (the total itself may be large).
  const fragmentCosts = new Map<string, number>();

  const pageSizeOf = (field: FieldNode): number => {
    const sizes = ['first', 'last'].map((name) => {
      const argument = field.arguments?.find((a) => a.name.value === name);
      const value: unknown = argument ? valueFromAST(argument.value, GraphQLInt, variables) : undefined;
      return typeof value === 'number' ? value : null;
    });
    if (sizes.some((size) => size !== null && size > MAX_PAGE_SIZE)) {
      throw badUserInput(`\`first\` and \`last\` may ask for at most ${MAX_PAGE_SIZE} items.`, 400);
    }
    const given = sizes.filter((size): size is number => size !== null);
    return given.length === 0 ? DEFAULT_PAGE_SIZE : Math.max(0, ...given);
  };

  const fragmentCost = (name: string, pageSize: number | null): number => {
    const key = `${name}:${pageSize}`;
    const known = fragmentCosts.get(key);
    if (known !== undefined) return known;
    const fragment = fragments[name];
    const type = fragment && schema.getType(fragment.typeCondition.name.value);
    const cost =
      fragment && isCompositeType(type) ? selectionSetCost(fragment.selectionSet, type, pageSize, new Set([name])) : 0;
    fragmentCosts.set(key, cost);
    return cost;
  };

  // `pageSize` is set when `parentType` is a connection: its list fields hold up to that many items.
  const selectionSetCost = (
    set: SelectionSetNode,
    parentType: GraphQLCompositeType,
    pageSize: number | null,
    spread: Set<string>,
  ): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = fieldDefinition(schema, parentType, selection.name.value);
        const type = field && getNamedType(field.type);
        if (!field || !isCompositeType(type) || !selection.selectionSet) continue;
        const childPageSize = isConnection(field) ? pageSizeOf(selection) : null;
        const each = 1 + selectionSetCost(selection.selectionSet, type, childPageSize, new Set());
        total += (pageSize !== null && isListType(getNullableType(field.type)) ? pageSize : 1) * each;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        if (isCompositeType(type)) total += selectionSetCost(selection.selectionSet, type, pageSize, spread);
      } else if (!spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        total += fragmentCost(selection.name.value, pageSize);
      }
    }
    return total;
  };

  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return 1;
  if (operation.operation !== 'mutation')
    return Math.max(1, selectionSetCost(operation.selectionSet, rootType, null, new Set()));
  // Each mutation root field pays MUTATION_COST, however it is reached (fragments included).
  let rootFields = 0;
  const countRootFields = (set: SelectionSetNode, spread: Set<string>): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) rootFields += selection.name.value === '__typename' ? 0 : 1;
      else if (selection.kind === Kind.INLINE_FRAGMENT) countRootFields(selection.selectionSet, spread);
      else if (!spread.has(selection.name.value) && fragments[selection.name.value]) {
        spread.add(selection.name.value);
        countRootFields(fragments[selection.name.value]!.selectionSet, spread);
      }
    }
  };
  countRootFields(operation.selectionSet, new Set());
  return rootFields * MUTATION_COST + selectionSetCost(operation.selectionSet, rootType, null, new Set());
}

/** The field `name` of `parentType`, including the introspection meta-fields, as graphql-js resolves it. */
function fieldDefinition(
  schema: GraphQLSchema,
  parentType: GraphQLCompositeType,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (parentType === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return 'getFields' in parentType ? parentType.getFields()[name] : undefined;
}

/** A Relay connection field: it takes `first` or `last` and returns an object with `edges`. */
function isConnection(field: GraphQLField<unknown, unknown>): boolean {
  const type = getNamedType(field.type);
  return (
    field.args.some((arg) => arg.name === 'first' || arg.name === 'last') &&
    isObjectType(type) &&
    'edges' in type.getFields()
  );
}
