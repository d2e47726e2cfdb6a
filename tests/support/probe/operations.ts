import { randomBytes } from 'node:crypto';
import {
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';

/** How deep the probe follows entities below a root field: the root's entity plus two nested levels. */
export const ENTITY_LEVELS = 3;
/** Page size the probe asks every connection for (`first`). */
export const PAGE_SIZE = 5;

/** Values the probe puts into arguments: the target's ids by GraphQL type, and the caller's own credentials. */
export interface ArgumentSource {
  /** Ids of the probed target's rows by entity type name, e.g. `Client` → [...]. */
  idsByType: ReadonlyMap<string, readonly string[]>;
  /** The calling actor's own sign-in email and password, for inputs that ask for them (e.g. `logIn`). */
  credentials?: { email: string; password: string };
}

/** One generated operation, ready to POST, and what it touches. */
export interface ProbeOperation {
  /** `Query.client`, `Mutation.updateClient`, … */
  name: string;
  document: string;
  variables: Record<string, unknown>;
  /** The target ids the variables carry; empty for operations that take no ids. */
  idsUsed: string[];
  /** Every `Type.field` the selection reads. */
  fieldsSelected: Set<string>;
}

/** A field or argument the probe could not fill or walk, with the reason; the suite fails on any. */
export class Undrivable extends Error {}

const SCALAR_SAMPLES: Record<string, () => unknown> = {
  String: () => 'Probe value',
  Int: () => 1,
  Float: () => 1,
  Boolean: () => false,
  // Thirty days ahead: inputs such as an API key's expiry must lie in the future.
  DateTime: () => new Date(Date.now() + 30 * 86_400_000).toISOString(),
  Date: () => '2026-01-15',
  CurrencyCode: () => 'USD',
  Decimal: () => '1.00',
};

/** Strings by field name, for inputs whose validation expects a shape. */
function sampleString(name: string, source: ArgumentSource): string {
  const lower = name.toLowerCase();
  if (lower.includes('email')) return source.credentials?.email ?? `probe-${randomBytes(6).toString('hex')}@example.test`;
  if (lower.includes('password')) return source.credentials?.password ?? `Probe-${randomBytes(12).toString('base64url')}-9q`;
  if (lower.includes('token') || lower.includes('code') || lower.includes('secret')) return randomBytes(16).toString('hex');
  if (lower.includes('url') || lower.includes('website')) return 'https://probe.example.test';
  if (lower.includes('phone')) return '+1 555 0100';
  if (lower.includes('reason')) return 'Isolation probe';
  return SCALAR_SAMPLES.String!() as string;
}

const pascal = (words: string) => words.charAt(0).toUpperCase() + words.slice(1);

/**
 * The entity types an ID-typed argument or input field may name, most likely first:
 * `clientId`/`clientIds` → `Client`; a bare `id`/`ids` → the subject, i.e. the field's return
 * type for a query (`client(id)` → `Client`) or the noun of the mutation's input type
 * (`UpdateClientInput` → `Client`). When the name names no type (`actorId`), the object types
 * its description mentions, in order ("this user, API key or operator" → User, ApiKey, …).
 */
export function entityTypesOfId(schema: GraphQLSchema, name: string, subject: string | null, description: string | null | undefined): string[] {
  const match = /^(.+?)Ids?$/.exec(name);
  const candidate = match ? pascal(match[1]!) : /^ids?$/.test(name) ? subject : null;
  const type = candidate ? schema.getType(candidate) : undefined;
  if (type && (isObjectType(type) || isInterfaceType(type))) return [candidate!];
  const mentioned: { name: string; at: number }[] = [];
  for (const named of Object.values(schema.getTypeMap())) {
    if (!isObjectType(named) || named.name.startsWith('__')) continue;
    const words = named.name.split(/(?=[A-Z])/).join('[ _-]?');
    const at = description?.search(new RegExp(`\\b${words}s?\\b`, 'i')) ?? -1;
    if (at >= 0) mentioned.push({ name: named.name, at });
  }
  return mentioned.sort((a, b) => a.at - b.at).map((m) => m.name);
}

/** The noun of a mutation input type: `UpdateClientInput` → `Client`, `RevokeApiKeyInput` → `ApiKey`. */
function inputSubject(inputTypeName: string): string {
  return inputTypeName.replace(/Input$/, '').replace(/^[A-Z][a-z]+/, '');
}

/** True when the input type carries an ID anywhere (directly, in lists or in nested inputs). */
export function carriesIds(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (isScalarType(named)) return named.name === 'ID';
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((field) => carriesIds(field.type, seen));
}

/** Fills one argument or input field; required ones always, optional ones when they carry ids. */
function sampleInput(
  schema: GraphQLSchema,
  type: GraphQLInputType,
  slot: { name: string; description?: string | null },
  subject: string | null,
  source: ArgumentSource,
  owner: string,
  idsUsed: string[],
): unknown {
  if (isNonNullType(type)) return sampleInput(schema, type.ofType, slot, subject, source, owner, idsUsed);
  if (isListType(type)) return [sampleInput(schema, type.ofType, slot, subject, source, owner, idsUsed)];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields()) as GraphQLInputField[]) {
      if (isNonNullType(field.type) || carriesIds(field.type)) {
        value[field.name] = sampleInput(schema, field.type, field, inputSubject(type.name), source, `${type.name}.${field.name}`, idsUsed);
      }
    }
    return value;
  }
  if (type.name === 'ID') {
    const entities = entityTypesOfId(schema, slot.name, subject, slot.description);
    if (!entities.length) throw new Undrivable(`${owner}: cannot tell which entity type the ID \`${slot.name}\` names`);
    const entity = entities.find((name) => source.idsByType.get(name)?.length);
    if (!entity) throw new Undrivable(`${owner}: the fixture has no ${entities.join(' or ')} for \`${slot.name}\``);
    const id = source.idsByType.get(entity)![0]!;
    idsUsed.push(id);
    return id;
  }
  if (type.name === 'String') return sampleString(slot.name, source);
  const sample = SCALAR_SAMPLES[type.name];
  if (!sample) throw new Undrivable(`${owner}: no sample value for scalar ${type.name}`);
  return sample();
}

/** Builds the operation text pieces while walking, so argument values become typed variables. */
class OperationBuilder {
  readonly variables: Record<string, unknown> = {};
  readonly declarations: string[] = [];
  readonly idsUsed: string[] = [];
  readonly fieldsSelected = new Set<string>();

  constructor(
    readonly schema: GraphQLSchema,
    readonly source: ArgumentSource,
  ) {}

  /** `(a: $v0, b: $v1)` for the arguments the probe fills, or '' when none. */
  arguments(field: GraphQLField<unknown, unknown>, parent: string, subject: string | null): string {
    const parts: string[] = [];
    for (const arg of field.args as GraphQLArgument[]) {
      let value: unknown;
      if (arg.name === 'first' && getNamedType(arg.type).name === 'Int') value = PAGE_SIZE;
      else if (isNonNullType(arg.type) || carriesIds(arg.type)) {
        value = sampleInput(this.schema, arg.type, arg, subject, this.source, `${parent}.${field.name}(${arg.name})`, this.idsUsed);
      } else continue;
      const variable = `v${this.declarations.length}`;
      this.declarations.push(`$${variable}: ${String(arg.type)}`);
      this.variables[variable] = value;
      parts.push(`${arg.name}: $${variable}`);
    }
    return parts.length ? `(${parts.join(', ')})` : '';
  }

  /**
   * The selection set of `type`: every scalar, and every object field down to `levels` entities
   * (an object type with an `id` field counts as one level; connections, edges, payloads and
   * other wrappers do not). Abstract types get one inline fragment per possible type.
   */
  selection(type: GraphQLNamedType, levels: number, depth = 0): string {
    if (isLeafType(type)) return '';
    if (depth > 12) throw new Undrivable(`${type.name}: nesting deeper than 12 fields without reaching an entity level`);
    if (isAbstractType(type)) {
      const fragments = this.schema
        .getPossibleTypes(type)
        .map((possible) => `... on ${possible.name} ${this.selection(possible, levels, depth)}`);
      return `{ __typename ${fragments.join(' ')} }`;
    }
    const object = type as GraphQLObjectType;
    const parts = ['__typename'];
    for (const field of Object.values(object.getFields())) {
      const named = getNamedType(field.type as GraphQLOutputType);
      if (!isLeafType(named)) {
        const entity = isEntity(named);
        if (entity && levels === 0) continue;
        const args = this.arguments(field, object.name, named.name);
        parts.push(`${field.name}${args} ${this.selection(named, entity ? levels - 1 : levels, depth + 1)}`);
      } else {
        parts.push(`${field.name}${this.arguments(field, object.name, named.name)}`);
      }
      this.fieldsSelected.add(`${object.name}.${field.name}`);
    }
    return `{ ${parts.join(' ')} }`;
  }
}

/** True for object types with an `id` field: the things a tenant owns. */
function isEntity(type: GraphQLNamedType): boolean {
  return (isObjectType(type) || isInterfaceType(type)) && 'id' in type.getFields();
}

/**
 * Generates the probe operation for one root field of `Query` or `Mutation`: its arguments filled
 * from `source` (ids of the right entity type, valid-looking values elsewhere, `first: 5` on
 * connections) and a selection set that walks the result `ENTITY_LEVELS` entities deep.
 * @throws Undrivable naming the field or argument when something cannot be filled.
 */
export function buildOperation(schema: GraphQLSchema, root: 'query' | 'mutation', fieldName: string, source: ArgumentSource): ProbeOperation {
  const rootType = root === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
  const field = rootType.getFields()[fieldName]!;
  const builder = new OperationBuilder(schema, source);
  const named = getNamedType(field.type);
  const args = builder.arguments(field, rootType.name, named.name);
  const selection = builder.selection(named, isEntity(named) ? ENTITY_LEVELS - 1 : ENTITY_LEVELS);
  builder.fieldsSelected.add(`${rootType.name}.${fieldName}`);
  const declarations = builder.declarations.length ? `(${builder.declarations.join(', ')})` : '';
  return {
    name: `${rootType.name}.${fieldName}`,
    document: `${root} Probe${declarations} { ${fieldName}${args} ${selection} }`,
    variables: builder.variables,
    idsUsed: [...new Set(builder.idsUsed)],
    fieldsSelected: builder.fieldsSelected,
  };
}

/** True when the root field takes an ID anywhere in its arguments: a cross-tenant probe target. */
export function takesIds(field: GraphQLField<unknown, unknown>): boolean {
  return field.args.some((arg) => carriesIds(arg.type));
}
