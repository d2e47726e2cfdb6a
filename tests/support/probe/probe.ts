import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  type GraphQLSchema,
  type IntrospectionQuery,
} from 'graphql';
import { v7 as uuidv7 } from 'uuid';
import { postGraphQL, type GraphQLResponse } from '../stack.ts';
import { openRawSocket, wsUrl } from '../ws-client.ts';
import { changedTables, distinguishable, leakedValues, observable } from './assertions.ts';
import { buildOperation, freshCopy, takesIds, Undrivable, type ProbeOperation } from './operations.ts';
import type { ProbeTarget } from './target.ts';

/** A caller the probe acts as: how it authenticates, and its own credentials for inputs that ask. */
export interface ProbeActor {
  /** A label for findings, e.g. `firm B owner`. */
  name: string;
  /** Request headers that authenticate it (`authorization: Bearer …`). */
  headers: Record<string, string>;
  /** The firm it acts in, for mixing its own firm id with the target's other ids. */
  firmId?: string;
  credentials?: { email: string; password: string };
}

/** One probe run: `actor` tries to read and change `target`, which it must never reach. */
export interface ProbePair {
  actor: ProbeActor;
  target: ProbeTarget;
  /**
   * Probe query fields only. For actors whose mutations reach every firm by design, such as a
   * platform operator (`requestBreakGlass` names any firm, `revokeBreakGlass` any grant).
   */
  queriesOnly?: boolean;
}

/** What a probe run covered and found. The suite fails on any `undrivable` or `findings` entry. */
export interface ProbeReport {
  /** The pairs that probed, by the actor's and the target's names. */
  pairs: { actor: string; target: string }[];
  /** Root query fields called (`Query.client`, …). */
  queryFields: string[];
  /** Mutations that take ids, called with the target's ids (`Mutation.updateClient`, …). */
  mutationsProbed: string[];
  /** Subscription fields subscribed to over graphql-ws with the target's ids (`Subscription.messageAdded`, …). */
  subscriptionFields: string[];
  /** Mutations that take no ID-typed argument or input field: not cross-tenant probes, listed for the record. */
  mutationsWithoutIds: string[];
  /** Every `Type.field` the probe's selections read, across all operations. */
  fieldsWalked: string[];
  /** Operations sent to the gateway. */
  calls: number;
  /** Fields or arguments the probe could not fill or walk, with the reason. */
  undrivable: string[];
  /** Leaks, existence oracles and changed target rows, each naming the operation and actor. */
  findings: string[];
}

/** The gateway's schema, by introspection (development and test modes allow it). */
export async function introspectGateway(url: string, headers: Record<string, string> = {}): Promise<GraphQLSchema> {
  const result = await postGraphQL<IntrospectionQuery>(url, getIntrospectionQuery(), {}, headers);
  if (!result.data) throw new Error(`introspection failed: ${JSON.stringify(result.errors)}`);
  return buildClientSchema(result.data);
}

/**
 * Adds to `target.idsByType` the ids its own actor sees through the API, under their GraphQL
 * type names (the database names tables, not types: `tenancy.audit_log` holds `AuditLogEntry`).
 * Calls every root query field as `owner`, with the target's ids known so far, and keeps each
 * `{ __typename, id }` whose id is one of the target's row values, so only its own rows are added.
 */
export async function addIdsSeenBy(
  target: ProbeTarget,
  url: string,
  schema: GraphQLSchema,
  owner: ProbeActor,
): Promise<void> {
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const { __typename: type, id } = value as { __typename?: unknown; id?: unknown };
      if (typeof type === 'string' && typeof id === 'string' && target.values.has(id)) {
        const known = target.idsByType.get(type) ?? [];
        if (!known.includes(id)) target.idsByType.set(type, [...known, id]);
      }
      Object.values(value).forEach(visit);
    }
  };
  // The audit log first: reading other fields writes to it (every document download link is audited),
  // and its first page, newest first, would then hold only records made after the target was read.
  const fields = Object.values(schema.getQueryType()?.getFields() ?? {}).sort(
    (x, y) =>
      Number(getNamedType(y.type).name === 'AuditLogConnection') -
      Number(getNamedType(x.type).name === 'AuditLogConnection'),
  );
  for (const field of fields) {
    if (field.name.startsWith('__')) continue;
    let operation: ProbeOperation;
    try {
      operation = buildOperation(schema, 'query', field.name, {
        idsByType: target.idsByType,
        credentials: owner.credentials,
      });
    } catch (error) {
      // The probe itself reports what it cannot drive.
      if (error instanceof Undrivable) continue;
      throw error;
    }
    for (const { document, variables } of operation.documents)
      visit((await postGraphQL(url, document, variables, owner.headers)).data);
  }
}

/** `variables` with every string equal to a key of `swap` replaced by its value. */
function swapIds(value: unknown, swap: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return swap.get(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => swapIds(item, swap));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swapIds(v, swap)]));
  return value;
}

/**
 * The cross-tenant probe (README "Isolation proof"). For every pair, walks the gateway's schema:
 * - every root query field is called as the actor with the target's ids in its ID arguments (and
 *   its selection walking nested connections and entities `ENTITY_LEVELS` deep); fields without
 *   ids are called as they are, as listings;
 * - every mutation that takes an ID-typed argument or input field is called the same way;
 *   mutations without any are classified and not called (they cannot name another firm's rows).
 * Each response must contain none of the target's values; a call that carried the target's ids
 * must answer exactly as the same call with random UUIDs in their place (code and message of
 * each error, status, data);
 * and the target's rows must hash the same before and after every mutation and after all queries.
 * - every subscription field is subscribed to over graphql-ws the same way (`subscribeOnce`).
 */
export async function runIsolationProbe({
  url,
  schema,
  pairs,
}: {
  url: string;
  schema: GraphQLSchema;
  pairs: ProbePair[];
}): Promise<ProbeReport> {
  const report: ProbeReport = {
    pairs: pairs.map((pair) => ({ actor: pair.actor.name, target: pair.target.name })),
    queryFields: [],
    mutationsProbed: [],
    subscriptionFields: [],
    mutationsWithoutIds: [],
    fieldsWalked: [],
    calls: 0,
    undrivable: [],
    findings: [],
  };
  const walked = new Set<string>();
  const undrivable = new Set<string>();
  /** Sends every document of the operation as `actor`, with `swap` applied to its variables, in order. */
  const call = async (
    operation: ProbeOperation,
    actor: ProbeActor,
    swap: ReadonlyMap<string, string>,
  ): Promise<GraphQLResponse[]> => {
    const responses: GraphQLResponse[] = [];
    for (const { document, variables } of operation.documents) {
      report.calls += 1;
      const fresh = new Map([...swap, ...operation.freshValues.map((value) => [value, freshCopy(value)] as const)]);
      const filled = swapIds(variables, fresh) as Record<string, unknown>;
      responses.push(
        operation.name.startsWith('Subscription.')
          ? await subscribeOnce(url, document, filled, actor.headers)
          : await postGraphQL(url, document, filled, actor.headers),
      );
    }
    return responses;
  };

  /**
   * Calls one operation as the pair's actor and records what the checks find: first with all the
   * target's ids, then, when it also names the target's firm beside other ids, with the actor's own
   * firm in its place (`revokeBreakGlass(firmId: own, grantId: foreign)`), the way an attacker
   * would mix them.
   */
  const probe = async (operation: ProbeOperation, { actor, target }: ProbePair) => {
    const variants: { label: string; swap: Map<string, string> }[] = [{ label: '', swap: new Map() }];
    const targetFirm = target.idsByType.get('Firm')?.find((id) => operation.idsUsed.includes(id));
    if (actor.firmId && targetFirm && actor.firmId !== targetFirm && operation.idsUsed.length > 1) {
      variants.push({ label: ' (with its own firm id)', swap: new Map([[targetFirm, actor.firmId]]) });
    }
    for (const { label, swap } of variants) {
      const where = `${operation.name} as ${actor.name}${label} against ${target.name}`;
      const foreign = await call(operation, actor, swap);
      // A document the gateway refuses before executing it (limits, validation) proves nothing.
      const refused = foreign.filter((response) => response.status !== 200 || response.data === undefined);
      if (refused.length) {
        undrivable.add(
          `${where}: refused before execution (${refused.map((r) => `${r.status} ${r.errors?.map((e) => e.message).join('; ')}`).join(', ')})`,
        );
        continue;
      }
      // A masked internal error means the field's code path did not run to the end: not probed.
      for (const error of foreign.flatMap((response) => response.errors ?? [])) {
        if (error.extensions?.code === 'INTERNAL_SERVER_ERROR')
          undrivable.add(`${where}: internal error at ${(error.path ?? []).join('.')}`);
      }
      const leaks = leakedValues(foreign, target.values);
      if (leaks.length) report.findings.push(`${where}: leaked ${leaks.join(', ')}`);
      // Only the target's own ids: a client target's calls may also name its firm or staff, which the actor may know.
      const foreignIds = operation.idsUsed.filter((id) => !swap.has(id) && target.values.has(id));
      if (foreignIds.length === 0) continue;
      const placeholders = new Map(foreignIds.map((id, i) => [id, `<id ${i}>`]));
      const randomAnswers = async () => {
        const randoms = new Map(foreignIds.map((id) => [id, uuidv7()]));
        const responses = await call(operation, actor, new Map([...swap, ...randoms]));
        return responses.map((response) =>
          observable(response, new Map([...randoms].map(([id, random]) => [random, placeholders.get(id)!]))),
        );
      };
      const [random, randomAgain] = [await randomAnswers(), await randomAnswers()];
      foreign.forEach((response, i) => {
        const difference = distinguishable(observable(response, placeholders), random[i]!, randomAgain[i]!);
        if (difference) report.findings.push(`${where}: ${difference}`);
      });
    }
  };

  const build = (
    root: 'query' | 'mutation' | 'subscription',
    field: string,
    pair: ProbePair,
  ): ProbeOperation | null => {
    try {
      const operation = buildOperation(schema, root, field, {
        idsByType: pair.target.idsByType,
        credentials: pair.actor.credentials,
      });
      for (const name of operation.fieldsSelected) walked.add(name);
      return operation;
    } catch (error) {
      if (!(error instanceof Undrivable)) throw error;
      undrivable.add(error.message);
      return null;
    }
  };

  const queryFields = Object.keys(schema.getQueryType()?.getFields() ?? {}).filter((name) => !name.startsWith('__'));
  const mutations = Object.values(schema.getMutationType()?.getFields() ?? {});
  for (const pair of pairs) {
    const before = await pair.target.snapshot();
    for (const field of queryFields) {
      const operation = build('query', field, pair);
      if (operation) await probe(operation, pair);
    }
    const changed = changedTables(before, await pair.target.snapshot());
    if (changed.length)
      report.findings.push(`queries as ${pair.actor.name} changed ${pair.target.name}'s rows in ${changed.join(', ')}`);

    for (const mutation of pair.queriesOnly ? [] : mutations) {
      if (!takesIds(mutation)) continue;
      const operation = build('mutation', mutation.name, pair);
      if (!operation) continue;
      const beforeMutation = await pair.target.snapshot();
      await probe(operation, pair);
      const changedByMutation = changedTables(beforeMutation, await pair.target.snapshot());
      if (changedByMutation.length) {
        report.findings.push(
          `${operation.name} as ${pair.actor.name} changed ${pair.target.name}'s rows in ${changedByMutation.join(', ')}`,
        );
      }
    }
  }
  const subscriptionFields = Object.keys(schema.getSubscriptionType()?.getFields() ?? {});
  for (const pair of pairs) {
    for (const field of subscriptionFields) {
      const operation = build('subscription', field, pair);
      if (operation) await probe(operation, pair);
    }
  }
  report.queryFields = queryFields.map((name) => `Query.${name}`);
  report.subscriptionFields = subscriptionFields.map((name) => `Subscription.${name}`);
  report.mutationsProbed = mutations.filter(takesIds).map((m) => `Mutation.${m.name}`);
  report.mutationsWithoutIds = mutations.filter((m) => !takesIds(m)).map((m) => `Mutation.${m.name}`);
  report.fieldsWalked = [...walked].sort();
  report.undrivable = [...undrivable].sort();
  return report;
}

/** graphql-ws codes of a document refused before it runs: like HTTP 400 for the probe. */
const REFUSED_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST']);
/** How long a subscription must stay silent to count as accepted. */
const SUBSCRIPTION_SETTLE_MS = 1500;

/**
 * Subscribes once over graphql-ws as the actor (its `authorization` header in `connectionParams`)
 * and answers like an HTTP response, so the probe's checks apply unchanged: the first `error` or
 * `next` message (status 200), a refused document as status 400 without data, a closed socket as
 * an error naming the close code, and silence for `SUBSCRIPTION_SETTLE_MS` as `data.accepted`, a
 * live subscription (which, with another firm's ids, differs from the NOT_FOUND of random ids).
 */
async function subscribeOnce(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<GraphQLResponse> {
  const socket = await openRawSocket(wsUrl(url));
  try {
    socket.send({
      type: 'connection_init',
      payload: headers.authorization ? { authorization: headers.authorization } : {},
    });
    const acknowledged = await Promise.race([socket.next((m) => m.type === 'connection_ack'), socket.closed]);
    if ('code' in acknowledged && !('type' in acknowledged)) {
      return {
        status: 200,
        data: null as never,
        errors: [
          { message: `socket closed ${acknowledged.code} ${acknowledged.reason}`, extensions: { code: 'CLOSED' } },
        ],
      };
    }
    socket.send({ id: 'probe', type: 'subscribe', payload: { query, variables } });
    const first = await Promise.race([
      socket.next((m) => m.id === 'probe', SUBSCRIPTION_SETTLE_MS).catch(() => null),
      socket.closed,
    ]);
    if (first === null) return { status: 200, data: { accepted: true } };
    if ('code' in first && !('type' in first))
      return {
        status: 200,
        data: null as never,
        errors: [{ message: `socket closed ${first.code} ${first.reason}`, extensions: { code: 'CLOSED' } }],
      };
    if (first.type === 'next') return { status: 200, ...first.payload };
    const errors = first.payload as { message: string; extensions?: { code?: string } }[];
    return REFUSED_CODES.has(errors[0]?.extensions?.code ?? '')
      ? { status: 400, errors }
      : { status: 200, data: null as never, errors };
  } finally {
    socket.ws.terminate();
  }
}
