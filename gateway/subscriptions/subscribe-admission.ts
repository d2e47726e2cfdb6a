import {
  getArgumentValues,
  getVariableValues,
  GraphQLError,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { Config } from '../../platform/config.ts';
import { forbidden, notFound } from '../../platform/errors.ts';
import { can } from '../../platform/signed-context.ts';
import type { BucketStore } from '../limits/buckets.ts';
import { chargeOperation } from '../limits/rate-limit.ts';
import type { Connection, ExecuteAs, LiveSubscription } from './connection.ts';
import { channelOf, participantSelectionSupported, SUBSCRIPTION_FIELDS } from './event-execution.ts';

/** Most live subscriptions one connection may hold; the next one gets an error. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 10;
/**
 * Characters of subscription documents remembered once they passed parsing and validation, the
 * most recently used kept: a few hundred typical documents, and a bounded amount of memory
 * whatever clients send.
 */
const CHECKED_DOCUMENT_CHARS = 256 * 1024;

/** Parses and validates a document with the HTTP limits (`queryLimits(...).checkDocument`). */
export type CheckDocument = (
  schema: GraphQLSchema,
  source: string,
) => { document: DocumentNode | null; errors: readonly GraphQLError[] };

/** A subscribe that passed: the live subscription to register, and what graphql-ws executes for it. */
export interface Admitted {
  /** `ended` false; not yet in the connection's subscriptions nor in any route. */
  subscription: LiveSubscription;
  schema: GraphQLSchema;
  document: DocumentNode;
  variableValues: Record<string, unknown>;
}

/**
 * Admission of `subscribe` messages (README "Real-time messaging"): returns the function that
 * decides one, resolving to `Admitted`, or to the errors to answer it with (the socket stays open).
 * In order, it refuses:
 * - a connection already holding `MAX_SUBSCRIPTIONS_PER_CONNECTION` (SUBSCRIPTION_LIMIT);
 * - a document failing the HTTP parse and validation limits (their code, GRAPHQL_VALIDATION_FAILED
 *   by default); passed documents are remembered, up to `CHECKED_DOCUMENT_CHARS`, per schema;
 * - anything but one subscription operation selecting a field of `SUBSCRIPTION_FIELDS` directly, or
 *   one declaring the reserved `$eventEntityId` (BAD_REQUEST); bad variables (BAD_USER_INPUT);
 * - what `chargeOperation` refuses, the same cost and buckets as HTTP, charged once here
 *   (BAD_USER_INPUT over 100 items, as thrown; GRAPHQL_VALIDATION_FAILED and RATE_LIMITED with
 *   `retryAfterSeconds`, without their HTTP status and headers);
 * - a subscription on the caller's own timer (`timerChanged`) by anyone but staff with `time:write`
 *   (FORBIDDEN: portal sessions, API keys and operators own no timer), before the cost is charged;
 * - a thread or client the caller cannot see: `messageThread(id)` / `client(id)` null under its
 *   identity, or for a portal session a client outside its granted ones; NOT_FOUND with the message
 *   of platform/errors.ts `notFound`, alike for foreign and missing ids;
 * - a typing or presence selection of `participant` beyond `id` and `__typename` (BAD_USER_INPUT);
 * - the connection closing, or filling up, meanwhile (SUBSCRIPTION_LIMIT).
 * @throws (rejects with) the bucket store's and `executeAs`'s unexpected errors.
 */
export function subscribeAdmission(options: {
  schema: () => GraphQLSchema;
  checkDocument: CheckDocument;
  executeAs: ExecuteAs;
  buckets: BucketStore;
  rateLimits: Config['rateLimits'];
}): (connection: Connection, id: string, payload: SubscribePayload) => Promise<Admitted | GraphQLError[]> {
  const { executeAs } = options;
  /**
   * `options.checkDocument`, remembering documents that passed (up to `CHECKED_DOCUMENT_CHARS` of
   * them, for the current schema): clients reconnecting after a deploy or a network blip send the
   * same few documents, and parsing and validating each again was the largest part of a
   * subscribe's CPU. Refusals are not remembered. ASTs are never mutated, so one document serves
   * every subscription of it.
   */
  let passed = { schema: null as GraphQLSchema | null, documents: new Map<string, DocumentNode>(), chars: 0 };
  const checkDocument = (schema: GraphQLSchema, source: string): ReturnType<CheckDocument> => {
    if (passed.schema !== schema) passed = { schema, documents: new Map(), chars: 0 };
    const known = passed.documents.get(source);
    if (known) {
      passed.documents.delete(source);
      passed.documents.set(source, known);
      return { document: known, errors: [] };
    }
    const checked = options.checkDocument(schema, source);
    if (checked.document) {
      passed.documents.set(source, checked.document);
      passed.chars += source.length;
      for (const oldest of passed.documents.keys()) {
        if (passed.chars <= CHECKED_DOCUMENT_CHARS) break;
        passed.documents.delete(oldest);
        passed.chars -= oldest.length;
      }
    }
    return checked;
  };

  return async (connection, id, payload) => {
    if (connection.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
      return refuse(
        `At most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection; complete one first.`,
        'SUBSCRIPTION_LIMIT',
      );
    }
    const schema = options.schema();
    const checked = checkDocument(schema, payload.query);
    if (!checked.document)
      return checked.errors.map(
        (e) => new GraphQLError(e.message, { extensions: { code: e.extensions?.code ?? 'GRAPHQL_VALIDATION_FAILED' } }),
      );
    const document = checked.document;
    const operations = document.definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    const operation =
      operations.find((o) => o.name?.value === payload.operationName) ??
      (operations.length === 1 ? operations[0] : undefined);
    if (!operation) return refuse('Send one operation, or name the one to run with `operationName`.', 'BAD_REQUEST');
    if (operation.operation !== 'subscription') {
      return refuse(
        'Only subscriptions are served over WebSocket; send queries and mutations over HTTP POST /graphql.',
        'BAD_REQUEST',
      );
    }
    const rootField = operation.selectionSet.selections[0];
    const spec = rootField?.kind === Kind.FIELD ? SUBSCRIPTION_FIELDS[rootField.name.value] : undefined;
    if (!spec || rootField?.kind !== Kind.FIELD)
      return refuse('Select the subscription field directly, not through a fragment.', 'BAD_REQUEST');
    if (operation.variableDefinitions?.some((d) => d.variable.name.value === 'eventEntityId')) {
      return refuse('The variable name `$eventEntityId` is reserved; choose another.', 'BAD_REQUEST');
    }
    const rawVariables = payload.variables ?? {};
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables);
    if (coerced.errors)
      return coerced.errors.map((e) => new GraphQLError(e.message, { extensions: { code: 'BAD_USER_INPUT' } }));
    const { actor } = connection;
    // A subscription on the subscriber's own data (`timerChanged`) is a staff member's: portal
    // sessions, API keys and operators own no timer. Refused before the cost is charged.
    if (spec.scope === 'viewer' && !(actor.kind === 'STAFF' && can(actor, 'time:write'))) {
      return refuse(forbidden().message, 'FORBIDDEN');
    }
    const fieldDefinition = schema.getSubscriptionType()!.getFields()[rootField.name.value]!;
    const scopeId =
      spec.scope === 'viewer'
        ? (actor as Extract<typeof actor, { kind: 'STAFF' }>).userId
        : String(getArgumentValues(fieldDefinition, rootField, coerced.coerced)[spec.scope]);

    // The same cost and buckets as HTTP: a subscription is charged once, when it starts.
    const fragments = Object.fromEntries(
      document.definitions
        .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((d) => [d.name.value, d]),
    );
    let charge: Awaited<ReturnType<typeof chargeOperation>>;
    try {
      charge = await chargeOperation({
        store: options.buckets,
        limits: options.rateLimits,
        actor: connection.actor,
        ip: connection.origin.ip,
        schema,
        document,
        operation,
        variables: rawVariables,
      });
    } catch (error) {
      if (!(error instanceof GraphQLError) || error.extensions.code !== 'BAD_USER_INPUT') throw error;
      return [error];
    }
    // Over the socket the refusal keeps its code (and `retryAfterSeconds`), not its HTTP status and headers.
    if (charge.refusal) {
      if (!(charge.refusal instanceof GraphQLError)) throw charge.refusal;
      const { http: _http, ...extensions } = charge.refusal.extensions;
      return [new GraphQLError(charge.refusal.message, { extensions })];
    }

    // Authorization at subscribe: the thread or client must be visible to this caller (NOT_FOUND alike for foreign and missing ids).
    // A portal session reaches exactly its granted clients (the actor's clientIds); root `client(id)` is staff-only.
    const visibility =
      spec.scope === 'viewer'
        ? { data: { entity: { id: scopeId } } }
        : spec.scope === 'threadId'
          ? await executeAs(
              connection.actor,
              connection.origin,
              'query ($id: ID!) { entity: messageThread(id: $id) { id client { id } } }',
              { id: scopeId },
            )
          : connection.actor.kind === 'PORTAL'
            ? { data: { entity: connection.actor.clientIds.includes(scopeId) ? { id: scopeId } : null } }
            : await executeAs(
                connection.actor,
                connection.origin,
                'query ($id: ID!) { entity: client(id: $id) { id } }',
                { id: scopeId },
              );
    const entity = visibility.data?.entity as { id: string; client?: { id: string } } | null | undefined;
    if (!entity)
      // The same message a query gets for the same missing id (platform/errors.ts `notFound`).
      return refuse(notFound(spec.scope === 'threadId' ? 'Thread' : 'Client').message, 'NOT_FOUND');
    // After the visibility check, so this refusal never tells a foreign thread from a missing one.
    if (
      (spec.topic === 'typing' || spec.topic === 'presence.changed') &&
      !participantSelectionSupported(document, rootField)
    ) {
      return refuse(
        'Only `id` and `__typename` of `participant` can be selected in typing and presence events.',
        'BAD_USER_INPUT',
      );
    }
    if (connection.closed || connection.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
      return refuse(
        `At most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per connection; complete one first.`,
        'SUBSCRIPTION_LIMIT',
      );
    }

    const subscription: LiveSubscription = {
      connection,
      route: `${connection.actor.firmId}|${channelOf(spec.topic)}|${scopeId}`,
      shareKey: `${connection.identityKey}\n${payload.query}\n${operation.name?.value ?? ''}\n${JSON.stringify(rawVariables)}`,
      document: { kind: Kind.DOCUMENT, definitions: [operation, ...Object.values(fragments)] },
      variables: rawVariables,
      clientId: spec.scope === 'viewer' ? null : (entity.client?.id ?? entity.id),
      framePrefix: `{"id":${JSON.stringify(id)},"type":"next","payload":`,
      // Replaced by the protocol adapter with its iterator's.
      push: () => {},
      ended: false,
    };
    return { subscription, schema, document, variableValues: rawVariables };
  };
}

/** Refuses a subscribe message with these errors (the socket stays open). */
function refuse(message: string, code: string): GraphQLError[] {
  return [new GraphQLError(message, { extensions: { code } })];
}
