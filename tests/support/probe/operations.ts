import { randomBytes } from 'node:crypto';
import {
  getNamedType,
  Lexer,
  Source,
  TokenKind,
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
  type OperationTypeNode,
} from 'graphql';
import { MAX_DEPTH, MAX_TOKENS } from '../../../gateway/limits/query-limits.ts';

/** How deep the probe follows entities below a root field: the root's entity plus two nested levels. */
const ENTITY_LEVELS = 3;
/** Page size the probe asks every connection for (`first`). */
const PAGE_SIZE = 5;

/** Values the probe puts into arguments: the target's ids by GraphQL type, and the caller's own credentials. */
export interface ArgumentSource {
  /** Ids of the probed target's rows by entity type name, e.g. `Client` → [...]. */
  idsByType: ReadonlyMap<string, readonly string[]>;
  /** The calling actor's own email and password, for sign-in inputs (those with a password field, e.g. `logIn`). */
  credentials?: { email: string; password: string };
}

/** One generated operation, ready to POST, and what it touches. */
export interface ProbeOperation {
  /** `Query.client`, `Mutation.updateClient`, … */
  name: string;
  /** The documents to send, with their variables: one, or several when the selection is too large for one. */
  documents: { document: string; variables: Record<string, unknown> }[];
  /** The target ids the variables carry; empty for operations that take no ids. */
  idsUsed: string[];
  /** Unique sampled values (emails, tokens) to replace with `freshCopy`s on every call. */
  freshValues: string[];
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

/** What sampling one operation's inputs needs and collects. */
interface Sampling {
  schema: GraphQLSchema;
  source: ArgumentSource;
  /** Target ids put into the inputs. */
  idsUsed: string[];
  /** Sampled values that must be unique (emails, tokens): each call sends fresh copies (`freshCopy`). */
  fresh: string[];
}

const randomHex = (length: number) =>
  randomBytes(Math.ceil(length / 2))
    .toString('hex')
    .slice(0, length);

/** `value` with its random hex part replaced: the same shape, a different unique value. */
export function freshCopy(value: string): string {
  return value.replace(/[0-9a-f]{12,}/, (hex) => randomHex(hex.length));
}

/**
 * Strings by field name, for inputs whose validation expects a shape. Inside a sign-in input (one
 * with a password field) the email and password are the caller's own credentials; elsewhere an
 * email or token is unique, and fresh on every call, so a first call cannot make the next collide.
 */
function sampleString(name: string, signIn: boolean, sampling: Sampling): string {
  const lower = name.toLowerCase();
  const unique = (value: string) => {
    sampling.fresh.push(value);
    return value;
  };
  const credentials = signIn ? sampling.source.credentials : undefined;
  if (lower.includes('email')) return credentials?.email ?? unique(`probe-${randomHex(16)}@example.test`);
  if (lower.includes('password')) return credentials?.password ?? `Probe-${randomBytes(12).toString('base64url')}-9q`;
  if (lower.includes('token') || lower.includes('code') || lower.includes('secret')) return unique(randomHex(32));
  if (lower.includes('url') || lower.includes('website')) return 'https://probe.example.test';
  if (lower.includes('phone')) return '+1 555 0100';
  if (lower.includes('reason')) return 'Isolation probe';
  return SCALAR_SAMPLES.String!() as string;
}

/** True when these argument or input field names ask the caller to sign in. */
const asksForPassword = (names: string[]) => names.some((name) => /password/i.test(name));

const pascal = (words: string) => words.charAt(0).toUpperCase() + words.slice(1);

/**
 * The entity types an ID-typed argument or input field may name, most likely first:
 * `clientId`/`clientIds` → `Client`; a bare `id`/`ids` → the subject, i.e. the field's return
 * type for a query (`client(id)` → `Client`) or the noun of the mutation's input type
 * (`UpdateClientInput` → `Client`); else the one object type whose name ends in that noun
 * (`grantId` → `BreakGlassGrant`). When none fits (`actorId`), the object types its description
 * mentions, in order ("this user, API key or operator" → User, ApiKey, …).
 */
export function entityTypesOfId(
  schema: GraphQLSchema,
  name: string,
  subject: string | null,
  description: string | null | undefined,
): string[] {
  const match = /^(.+?)Ids?$/.exec(name);
  const candidate = match ? pascal(match[1]!) : /^ids?$/.test(name) ? subject : null;
  const type = candidate ? schema.getType(candidate) : undefined;
  if (type && (isObjectType(type) || isInterfaceType(type))) return [candidate!];
  // `grantId` on break-glass inputs names a `BreakGlassGrant`: the one object type ending in the noun.
  const ending = candidate
    ? Object.values(schema.getTypeMap()).filter((t) => isObjectType(t) && t.name.endsWith(candidate))
    : [];
  if (ending.length === 1) return [ending[0]!.name];
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
function carriesIds(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (isScalarType(named)) return named.name === 'ID';
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((field) => carriesIds(field.type, seen));
}

/**
 * Fills one argument or input field; required ones always, optional ones when they carry ids.
 * @param signIn the argument sits beside a password (a sign-in): strings use the caller's credentials.
 */
function sampleInput(
  type: GraphQLInputType,
  slot: { name: string; description?: string | null },
  subject: string | null,
  owner: string,
  signIn: boolean,
  sampling: Sampling,
): unknown {
  const { schema, source } = sampling;
  if (isNonNullType(type)) return sampleInput(type.ofType, slot, subject, owner, signIn, sampling);
  if (isListType(type)) return [sampleInput(type.ofType, slot, subject, owner, signIn, sampling)];
  if (isEnumType(type)) return type.getValues()[0]!.value;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()) as GraphQLInputField[];
    const fieldsSignIn = asksForPassword(fields.map((field) => field.name));
    const value: Record<string, unknown> = {};
    for (const field of fields) {
      if (isNonNullType(field.type) || carriesIds(field.type)) {
        value[field.name] = sampleInput(
          field.type,
          field,
          inputSubject(type.name),
          `${type.name}.${field.name}`,
          fieldsSignIn,
          sampling,
        );
      }
    }
    return value;
  }
  if (type.name === 'ID') {
    const entities = entityTypesOfId(schema, slot.name, subject, slot.description);
    // An id of rows with no GraphQL type of their own names them by their table (`uploadId`: documents.uploads).
    const rows = /^(.+?)Id$/.exec(slot.name)?.[1];
    if (!entities.length && rows && source.idsByType.get(pascal(rows))?.length) entities.push(pascal(rows));
    if (!entities.length) throw new Undrivable(`${owner}: cannot tell which entity type the ID \`${slot.name}\` names`);
    const entity = entities.find((name) => source.idsByType.get(name)?.length);
    if (!entity) throw new Undrivable(`${owner}: the fixture has no ${entities.join(' or ')} for \`${slot.name}\``);
    const id = source.idsByType.get(entity)![0]!;
    sampling.idsUsed.push(id);
    return id;
  }
  if (type.name === 'String') return sampleString(slot.name, signIn, sampling);
  const sample = SCALAR_SAMPLES[type.name];
  if (!sample) throw new Undrivable(`${owner}: no sample value for scalar ${type.name}`);
  return sample();
}

/** One field (or inline fragment) of a selection, with its sub-selection; leaves have none. */
interface Selection {
  /** `name(arg: $v0)` or `... on Type`. */
  head: string;
  children?: Selection[];
}

/** Builds the selection tree while walking, so argument values become typed variables. */
class OperationBuilder {
  readonly variables: Record<string, unknown> = {};
  readonly types: Record<string, string> = {};
  readonly fieldsSelected = new Set<string>();
  readonly sampling: Sampling;

  constructor(
    readonly schema: GraphQLSchema,
    source: ArgumentSource,
  ) {
    this.sampling = { schema, source, idsUsed: [], fresh: [] };
  }

  /** `(a: $v0, b: $v1)` for the arguments the probe fills, or '' when none. */
  arguments(field: GraphQLField<unknown, unknown>, parent: string, subject: string | null): string {
    const parts: string[] = [];
    const signIn = asksForPassword(field.args.map((arg) => arg.name));
    for (const arg of field.args as GraphQLArgument[]) {
      let value: unknown;
      if (arg.name === 'first' && getNamedType(arg.type).name === 'Int') value = PAGE_SIZE;
      else if (isNonNullType(arg.type) || carriesIds(arg.type)) {
        value = sampleInput(arg.type, arg, subject, `${parent}.${field.name}(${arg.name})`, signIn, this.sampling);
      } else continue;
      const variable = `v${Object.keys(this.variables).length}`;
      this.types[variable] = String(arg.type);
      this.variables[variable] = value;
      parts.push(`${arg.name}: $${variable}`);
    }
    return parts.length ? `(${parts.join(', ')})` : '';
  }

  /**
   * The selection of `type`: every scalar, and every object field down to `levels` entities (an
   * object type with an `id` field counts as one level; connections, edges, payloads and other
   * wrappers do not), never deeper than the gateway's `MAX_DEPTH`. Abstract types get one inline
   * fragment per possible type.
   * @param depth the field depth of `type`'s own fields (1 for the root field's selection).
   */
  selection(type: GraphQLNamedType, levels: number, depth: number): Selection[] {
    if (isAbstractType(type)) {
      return [
        { head: '__typename' },
        ...this.schema
          .getPossibleTypes(type)
          .map((possible) => ({ head: `... on ${possible.name}`, children: this.selection(possible, levels, depth) })),
      ];
    }
    const object = type as GraphQLObjectType;
    const selections: Selection[] = [{ head: '__typename' }];
    for (const field of Object.values(object.getFields())) {
      const named = getNamedType(field.type as GraphQLOutputType);
      const head = `${field.name}${this.arguments(field, object.name, named.name)}`;
      if (isLeafType(named)) selections.push({ head });
      else {
        const entity = isEntity(named);
        // An object needs at least one field below it, so it must start above the depth limit.
        if ((entity && levels === 0) || depth >= MAX_DEPTH) continue;
        selections.push({ head, children: this.selection(named, entity ? levels - 1 : levels, depth + 1) });
      }
      this.fieldsSelected.add(`${object.name}.${field.name}`);
    }
    return selections;
  }
}

/** True for object types with an `id` field: the things a tenant owns. */
export function isEntity(type: GraphQLNamedType): boolean {
  return (isObjectType(type) || isInterfaceType(type)) && 'id' in type.getFields();
}

const printSelection = ({ head, children }: Selection): string =>
  children ? `${head} { ${children.map(printSelection).join(' ')} }` : head;

/** The lexical tokens of a document, as graphql-js counts them against `maxTokens`. */
function tokenCount(document: string): number {
  const lexer = new Lexer(new Source(document));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
}

/**
 * Splits a selection into copies that each fit `fits`, together selecting every leaf once: the
 * children are packed greedily, and a child too big alone is split the same way, keeping its path.
 */
function split(selection: Selection, fits: (candidate: Selection) => boolean): Selection[] {
  if (!selection.children || fits(selection)) return [selection];
  const parts: Selection[][] = [];
  let current: Selection[] = [];
  for (const child of selection.children) {
    const pieces = fits({ ...selection, children: [child] })
      ? [child]
      : split(child, (piece) => fits({ ...selection, children: [piece] }));
    for (const piece of pieces) {
      if (current.length && !fits({ ...selection, children: [...current, piece] })) {
        parts.push(current);
        current = [];
      }
      current.push(piece);
    }
  }
  parts.push(current);
  return parts.map((children) => ({ ...selection, children }));
}

/**
 * Generates the probe operation for one root field of `Query`, `Mutation` or `Subscription`: its arguments filled
 * from `source` (ids of the right entity type, valid-looking values elsewhere, `first: 5` on
 * connections) and a selection that walks the result `ENTITY_LEVELS` entities deep. When the
 * selection is larger than the gateway's `MAX_TOKENS`, it is split into several documents that
 * together select every field, each declaring only the variables it uses.
 * @throws Undrivable naming the field or argument when something cannot be filled.
 */
export function buildOperation(
  schema: GraphQLSchema,
  root: 'query' | 'mutation' | 'subscription',
  fieldName: string,
  source: ArgumentSource,
): ProbeOperation {
  const rootType = schema.getRootType(root as OperationTypeNode)!;
  const field = rootType.getFields()[fieldName]!;
  const builder = new OperationBuilder(schema, source);
  const named = getNamedType(field.type);
  const head = `${fieldName}${builder.arguments(field, rootType.name, named.name)}`;
  const tree: Selection = isLeafType(named)
    ? { head }
    : { head, children: builder.selection(named, isEntity(named) ? ENTITY_LEVELS - 1 : ENTITY_LEVELS, 2) };
  builder.fieldsSelected.add(`${rootType.name}.${fieldName}`);
  const print = (selection: Selection) => {
    const body = printSelection(selection);
    const used = Object.keys(builder.variables).filter((name) => new RegExp(`\\$${name}\\b`).test(body));
    const declarations = used.length ? `(${used.map((name) => `$${name}: ${builder.types[name]}`).join(', ')})` : '';
    return {
      document: `${root} Probe${declarations} { ${body} }`,
      variables: Object.fromEntries(used.map((name) => [name, builder.variables[name]])),
    };
  };
  const documents = split(tree, (candidate) => tokenCount(print(candidate).document) <= MAX_TOKENS).map(print);
  return {
    name: `${rootType.name}.${fieldName}`,
    documents,
    idsUsed: [...new Set(builder.sampling.idsUsed)],
    freshValues: builder.sampling.fresh,
    fieldsSelected: builder.fieldsSelected,
  };
}

/** True when the root field takes an ID anywhere in its arguments: a cross-tenant probe target. */
export function takesIds(field: GraphQLField<unknown, unknown>): boolean {
  return field.args.some((arg) => carriesIds(arg.type));
}
