import {
  buildASTSchema,
  execute,
  GraphQLError,
  Kind,
  parse,
  print,
  printSchema,
  visit,
  type DocumentNode,
  type FieldNode,
  type FormattedExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { BusEvent, BusTopic } from '../../platform/event-bus.ts';

/** Runs a query through the supergraph under the subscriber's identity (the gateway's Apollo pipeline). */
export type QueryExecutor = (query: string, variables: Record<string, unknown>) => Promise<FormattedExecutionResult>;

/**
 * The root query field that loads each kind of entity an event names, under the caller's
 * authorization. Root `client(id)` is staff-only: a portal session reads its clients through
 * `portalViewer { clients }`, and the one with the event's id is picked. The caller's own running
 * timer is `runningTimer`, which takes no id (`VIEWER_LOADED`): it is always the subscriber's.
 */
const LOADERS = {
  message: 'message',
  thread: 'messageThread',
  client: 'client',
  timer: 'runningTimer',
  invoice: 'invoice',
  creditNote: 'creditNote',
} as const;
type Loaded = keyof typeof LOADERS;

/** Entities read from the subscriber's own point of view: their root field takes no `id`. */
const VIEWER_LOADED: ReadonlySet<Loaded> = new Set(['timer']);

/**
 * What each subscription field listens to: the bus topic, the argument that scopes it (which must
 * equal the event payload's property of the same name), and how its payload is built from the event.
 * `load` fields are entities read back through the supergraph by id; `value` fields come from the
 * event itself (typing and presence are ephemeral: nothing to read back).
 */
export const SUBSCRIPTION_FIELDS: Record<
  string,
  { topic: BusTopic; scope: 'threadId' | 'clientId' | 'viewer'; root: Loaded | 'event' }
> = {
  messageAdded: { topic: 'message.added', scope: 'threadId', root: 'message' },
  messageUpdated: { topic: 'message.updated', scope: 'threadId', root: 'message' },
  threadUpdated: { topic: 'thread.updated', scope: 'clientId', root: 'thread' },
  typing: { topic: 'typing', scope: 'threadId', root: 'event' },
  presenceChanged: { topic: 'presence.changed', scope: 'clientId', root: 'event' },
  // Scoped to the subscriber themself: no argument, the route is their own user id.
  timerChanged: { topic: 'timer.changed', scope: 'viewer', root: 'event' },
  // Every invoicing event of the client: its route's channel is `invoices` (`channelOf`).
  invoiceChanged: { topic: 'invoice.issued', scope: 'clientId', root: 'event' },
};

/** The invoicing topics, which one subscription field (`invoiceChanged`) carries together. */
const INVOICE_TOPICS: ReadonlySet<BusTopic> = new Set(['invoice.issued', 'invoice.voided', 'credit_note.issued']);

/**
 * The channel of a topic in subscription routes (`firmId|channel|scope`): the topic itself, except
 * that the invoicing topics share the channel `invoices`, so `invoiceChanged` hears all three.
 */
export function channelOf(topic: BusTopic): string {
  return INVOICE_TOPICS.has(topic) ? 'invoices' : topic;
}

/** The id that scopes an event's route: the thread's, the client's, or the timer owner's; null for none. */
export function routeScopeOf(event: BusEvent): string | null {
  switch (event.topic) {
    case 'timer.changed':
      return event.payload.userId;
    case 'presence.changed':
    case 'thread.updated':
    case 'invoice.issued':
    case 'invoice.voided':
    case 'credit_note.issued':
      return event.payload.clientId;
    case 'message.added':
    case 'message.updated':
    case 'typing':
      return event.payload.threadId;
    case 'credential.revoked':
      return null;
  }
}

/** Which payload property holds the id of the entity a `load` root reads. */
const ROOT_ID: Record<Loaded, string> = {
  message: 'messageId',
  thread: 'threadId',
  client: 'clientId',
  timer: 'userId',
  invoice: 'invoiceId',
  creditNote: 'creditNoteId',
};

/** The event-built object of `typing` and `presenceChanged`: each field is read by field name, aliases aside. */
class EventObject {
  constructor(readonly fields: Record<string, unknown>) {}
}

/** A reference to an entity loaded through the supergraph when its field is selected. */
class EntityRef {
  constructor(
    readonly kind: Loaded,
    readonly id: string,
  ) {}
}

/** The participant of a typing or presence event: only `id` (and `__typename`) are known without a lookup. */
class ParticipantRef {
  constructor(
    readonly typename: 'User' | 'PortalUser',
    readonly id: string,
  ) {}
}

/** The payload object of an event built from the event itself: `TypingIndicator`, `PresenceChange`, `TimerChangedEvent` or `InvoiceChangedEvent`. */
function eventObject(event: BusEvent): EventObject {
  // The event's id is a UUIDv7: its first 48 bits are the publishing time in milliseconds.
  const at = new Date(parseInt(event.id.replaceAll('-', '').slice(0, 12), 16)).toISOString();
  switch (event.topic) {
    case 'typing':
      return new EventObject({
        thread: new EntityRef('thread', event.payload.threadId),
        participant: participantOf(event.payload),
        at,
      });
    case 'presence.changed':
      return new EventObject({
        client: new EntityRef('client', event.payload.clientId),
        participant: participantOf(event.payload),
        online: event.payload.online,
        at,
      });
    case 'timer.changed':
      return new EventObject({
        kind: event.payload.change,
        timer: new EntityRef('timer', event.payload.userId),
        stoppedTimeEntryId: event.payload.timeEntryId,
        at,
      });
    case 'invoice.issued':
    case 'invoice.voided':
    case 'credit_note.issued':
      return new EventObject({
        kind: event.topic === 'invoice.issued' ? 'ISSUED' : event.topic === 'invoice.voided' ? 'VOIDED' : 'CREDITED',
        invoice: new EntityRef('invoice', event.payload.invoiceId),
        creditNote:
          event.topic === 'credit_note.issued' ? new EntityRef('creditNote', event.payload.creditNoteId) : null,
        at,
      });
    default:
      throw new Error(`${event.topic} has no event-built payload`);
  }
}

function participantOf(payload: { participantKind: 'STAFF' | 'PORTAL'; participantId: string }): ParticipantRef {
  return new ParticipantRef(payload.participantKind === 'PORTAL' ? 'PortalUser' : 'User', payload.participantId);
}

/**
 * Builds the payload of one subscription for one bus event, under one identity: graphql-js executes
 * the subscription's own document on the gateway's API schema with the event as root value, and
 * every entity in it (the message, the thread, the client) is read through the supergraph with a
 * query of exactly the selection the subscriber asked for under that entity (`message(id:)`,
 * `messageThread(id:)`, `client(id:)`), by `run`. So every subgraph's fields work, and shield,
 * services and RLS decide per event what this identity sees. Below a loaded entity, values are read
 * by response key (aliases included) from the supergraph's answer.
 *
 * @returns the result to send, or null when the root entity is not visible (null, or an error):
 *   nothing is delivered then.
 */
export async function resolveEvent(args: {
  schema: GraphQLSchema;
  document: DocumentNode;
  /** The variables as the client sent them (raw JSON), passed on to the loading queries. */
  variables: Record<string, unknown>;
  event: BusEvent;
  run: QueryExecutor;
  /** The subscriber is a portal session (clients load through `portalViewer`). */
  portal: boolean;
}): Promise<FormattedExecutionResult | null> {
  const { schema, document, variables, event, run, portal } = args;
  const loadErrors: GraphQLError[] = [];
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const rootField = operation.selectionSet.selections[0] as FieldNode;
  const spec = SUBSCRIPTION_FIELDS[rootField.name.value]!;

  const load = async (ref: EntityRef, info: GraphQLResolveInfo): Promise<unknown> => {
    const throughViewer = portal && ref.kind === 'client';
    const byId = !throughViewer && !VIEWER_LOADED.has(ref.kind);
    const root = throughViewer ? null : { field: LOADERS[ref.kind], byId };
    const { query, used } = loadingQuery(document, root, info.fieldNodes);
    const result = await run(query, { ...pick(variables, used), ...(byId ? { eventEntityId: ref.id } : {}) });
    for (const error of result.errors ?? []) {
      loadErrors.push(
        new GraphQLError(error.message, {
          path: [...pathOf(info), ...(error.path ?? []).slice(throughViewer ? 3 : 1)],
          extensions: error.extensions,
        }),
      );
    }
    if (!throughViewer) return result.data?.entity ?? null;
    const clients = (result.data?.entity as { clients?: { id: string }[] } | null)?.clients ?? [];
    return clients.find((client) => client.id === ref.id) ?? null;
  };

  const fieldResolver: GraphQLFieldResolver<unknown, unknown> = (source, _args, _context, info) => {
    let value: unknown;
    if (info.parentType.name === schema.getSubscriptionType()?.name) {
      value =
        spec.root === 'event'
          ? eventObject(event)
          : new EntityRef(spec.root, String((event.payload as Record<string, unknown>)[ROOT_ID[spec.root]]));
    } else if (source instanceof EventObject) {
      value = source.fields[info.fieldName];
    } else if (source instanceof ParticipantRef) {
      if (info.fieldName !== 'id') {
        throw new GraphQLError('Only `id` of an event participant can be selected here.', {
          extensions: { code: 'BAD_USER_INPUT' },
        });
      }
      value = source.id;
    } else {
      value = (source as Record<string, unknown>)[info.path.key as string];
    }
    return value instanceof EntityRef ? load(value, info) : value;
  };

  const result = await execute({
    schema: executableCopy(schema),
    document,
    variableValues: variables,
    fieldResolver,
    typeResolver: (value) =>
      value instanceof ParticipantRef ? value.typename : (value as { __typename?: string }).__typename,
  });
  const key = rootField.alias?.value ?? rootField.name.value;
  if (!result.data || result.data[key] == null) return null;
  const errors = [...loadErrors, ...(result.errors ?? [])];
  return { data: result.data, ...(errors.length > 0 ? { errors: errors.map((e) => e.toJSON()) } : {}) };
}

/**
 * The query that loads one entity with the selection of the fields `nodes` (one response key):
 * `query ($eventEntityId: ID!, …the variables it uses) { entity: <root.field>(id: $eventEntityId) { … } }`,
 * without the id when `root.byId` is false (`query (…) { entity: runningTimer { … } }`),
 * or, with `root` null, `query (…) { entity: portalViewer { clients { id … } } }`; with
 * `__typename` added to every selection set (so abstract types resolve from the answer) and the
 * fragments it spreads. Printed text, so Apollo's document cache parses and validates it once.
 */
function loadingQuery(
  document: DocumentNode,
  root: { field: string; byId: boolean } | null,
  nodes: readonly FieldNode[],
): { query: string; used: Set<string> } {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  const selectionSet: SelectionSetNode = {
    kind: Kind.SELECTION_SET,
    selections: nodes.flatMap((node) => node.selectionSet?.selections ?? []),
  };
  const typename: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };
  const withTypenames = <T extends object>(node: T): T =>
    visit(node as never, {
      SelectionSet: (set: SelectionSetNode) => ({ ...set, selections: [...set.selections, typename] }),
    }) as T;

  const spread = new Set<string>();
  const used = new Set<string>();
  const collect = (node: object) =>
    visit(node as never, {
      Variable: (variable) => void used.add(variable.name.value),
      FragmentSpread: (fragmentSpread) => {
        const name = fragmentSpread.name.value;
        if (!spread.has(name) && fragments.has(name)) {
          spread.add(name);
          collect(fragments.get(name)!);
        }
      },
    });
  collect(selectionSet);
  const name = (value: string) => ({ kind: Kind.NAME, value }) as const;
  const idField: FieldNode = { kind: Kind.FIELD, name: name('id') };
  const variableDefinitions: VariableDefinitionNode[] = [
    ...(root?.byId
      ? [
          {
            kind: Kind.VARIABLE_DEFINITION,
            variable: { kind: Kind.VARIABLE, name: name('eventEntityId') },
            type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: name('ID') } },
          } as const,
        ]
      : []),
    ...(operation.variableDefinitions ?? []).filter((d) => used.has(d.variable.name.value)),
  ];
  const entity: FieldNode = root
    ? {
        kind: Kind.FIELD,
        alias: name('entity'),
        name: name(root.field),
        arguments: root.byId
          ? [{ kind: Kind.ARGUMENT, name: name('id'), value: { kind: Kind.VARIABLE, name: name('eventEntityId') } }]
          : [],
        selectionSet: withTypenames(selectionSet),
      }
    : {
        kind: Kind.FIELD,
        alias: name('entity'),
        name: name('portalViewer'),
        selectionSet: {
          kind: Kind.SELECTION_SET,
          selections: [
            {
              kind: Kind.FIELD,
              name: name('clients'),
              selectionSet: withTypenames({ ...selectionSet, selections: [...selectionSet.selections, idField] }),
            },
          ],
        },
      };
  const query: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: 'query' as OperationDefinitionNode['operation'],
        variableDefinitions,
        selectionSet: { kind: Kind.SELECTION_SET, selections: [entity] },
      },
      ...[...spread].map((name) => withTypenames(fragments.get(name)!)),
    ],
  };
  return { query: print(query), used };
}

const copies = new WeakMap<GraphQLSchema, GraphQLSchema>();

/**
 * A copy of the API schema without resolvers, built from its SDL once per schema: Apollo Server
 * wraps every field resolver of the schema it serves (its instrumentation), and those wrappers
 * ignore `execute`'s `fieldResolver`. Scalars of an SDL-built schema pass values through as the
 * supergraph serialized them.
 */
function executableCopy(schema: GraphQLSchema): GraphQLSchema {
  let copy = copies.get(schema);
  if (!copy) {
    copy = buildASTSchema(parse(printSchema(schema)));
    copies.set(schema, copy);
  }
  return copy;
}

/** The response path of `info` as a list. */
function pathOf(info: GraphQLResolveInfo): (string | number)[] {
  const path: (string | number)[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) path.unshift(p.key);
  return path;
}

function pick(values: Record<string, unknown>, names: Set<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => names.has(name)));
}

/**
 * True when `participant` of a `typing` / `presenceChanged` subscription selects only `id` and
 * `__typename`, the parts of a participant an ephemeral event carries (checked at subscribe, so an
 * unsupported selection is refused there rather than silently nulling every event).
 */
export function participantSelectionSupported(document: DocumentNode, rootField: FieldNode): boolean {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const onlyIds = (set: SelectionSetNode | undefined, seen: Set<string>): boolean =>
    (set?.selections ?? []).every((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === 'id' || s.name.value === '__typename';
      if (s.kind === Kind.INLINE_FRAGMENT) return onlyIds(s.selectionSet, seen);
      if (seen.has(s.name.value)) return true;
      seen.add(s.name.value);
      return onlyIds(fragments.get(s.name.value)?.selectionSet, seen);
    });
  const participants = (set: SelectionSetNode | undefined, seen: Set<string>): FieldNode[] =>
    (set?.selections ?? []).flatMap((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === 'participant' ? [s] : [];
      if (s.kind === Kind.INLINE_FRAGMENT) return participants(s.selectionSet, seen);
      if (seen.has(s.name.value)) return [];
      seen.add(s.name.value);
      return participants(fragments.get(s.name.value)?.selectionSet, seen);
    });
  return participants(rootField.selectionSet, new Set()).every((field) => onlyIds(field.selectionSet, new Set()));
}
