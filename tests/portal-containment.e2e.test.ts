import { beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { seedInvoiceAndDocument } from './support/admin-db.ts';
import { createClients, signUpFirm, type FirmOwner } from './support/factories.ts';
import { onboardPortalUser, type PortalLogin } from './support/portal.ts';
import type { GraphQLResponse } from './support/stack.ts';
import { useStackWithAdmin } from './support/suite.ts';

// The portal-containment matrix (README "Client portal"): every query field a portal session can name, found by
// walking the gateway's schema (introspection) and asking the gateway which fields the session may
// name, checked against a second client of the same firm and a client of a second firm. The probing operations
// are raw strings: they are built at run time from the introspected schema; only the seeding is typed.

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface FieldInfo {
  name: string;
  args: { name: string; type: TypeRef }[];
  type: TypeRef;
}
interface TypeInfo {
  name: string;
  kind: string;
  fields: FieldInfo[] | null;
}

const TYPE_REF = 'kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }';
const INTROSPECTION = `{ __schema { queryType { name } types { name kind fields { name args { name type { ${TYPE_REF} } } type { ${TYPE_REF} } } } } }`;

function namedType(ref: TypeRef): TypeRef {
  return ref.ofType ? namedType(ref.ofType) : ref;
}
function isRequired(ref: TypeRef): boolean {
  return ref.kind === 'NON_NULL';
}

/** Entity ids of one kind: the portal user's own, another client's in the same firm, and another firm's. */
interface Ids {
  own: string;
  sameFirm: string;
  otherFirm: string;
}

let firmA: FirmOwner;
let firmB: FirmOwner;
let portal: PortalLogin;
const ids = new Map<string, Ids>();
let types: Map<string, TypeInfo>;
let queryFields: FieldInfo[];

/** Creates, in each of the three clients, one entity of each kind a staff user can create, and records the ids by type. */
async function seed(): Promise<void> {
  const [x, y] = await createClients(env.t, firmA.accessToken, ['Own Client', 'Neighbour Client']);
  const [z] = await createClients(env.t, firmB.accessToken, ['Other Firm Client']);
  ids.set('Client', { own: x!, sameFirm: y!, otherFirm: z! });
  const seeded = await Promise.all([
    seedInvoiceAndDocument(env.admin, { firmId: firmA.firmId, clientId: x! }),
    seedInvoiceAndDocument(env.admin, { firmId: firmA.firmId, clientId: y! }),
    seedInvoiceAndDocument(env.admin, { firmId: firmB.firmId, clientId: z! }),
  ]);
  ids.set('Invoice', { own: seeded[0].invoiceId, sameFirm: seeded[1].invoiceId, otherFirm: seeded[2].invoiceId });
  ids.set('Document', { own: seeded[0].documentId, sameFirm: seeded[1].documentId, otherFirm: seeded[2].documentId });
  portal = await onboardPortalUser(env.t, firmA, [x!]);
  const neighbour = await onboardPortalUser(env.t, firmA, [y!]);
  const stranger = await onboardPortalUser(env.t, firmB, [z!]);
  ids.set('PortalUser', {
    own: portal.portalUserId,
    sameFirm: neighbour.portalUserId,
    otherFirm: stranger.portalUserId,
  });
  ids.set('Contact', { own: portal.contactId, sameFirm: neighbour.contactId, otherFirm: stranger.contactId });
  const thread = async (owner: FirmOwner, clientId: string) => {
    const result = await env.t.gql(
      graphql(`
        mutation ContainmentCreateThread($input: CreateMessageThreadInput!) {
          createMessageThread(input: $input) {
            thread {
              id
            }
            userErrors {
              code
            }
          }
        }
      `),
      { input: { clientId, subject: 'Year-end accounts' } },
      owner.accessToken,
    );
    expect(result.errors).toBeUndefined();
    const threadId = result.data!.createMessageThread.thread!.id;
    const sent = await env.t.gql(
      graphql(`
        mutation ContainmentSendMessage($input: SendMessageInput!) {
          sendMessage(input: $input) {
            message {
              id
            }
            userErrors {
              code
            }
          }
        }
      `),
      { input: { threadId, body: 'Please send the bank statements.' } },
      owner.accessToken,
    );
    expect(sent.errors).toBeUndefined();
    return { threadId, messageId: sent.data!.sendMessage.message!.id };
  };
  const engagement = async (owner: FirmOwner, clientId: string) => {
    const result = await env.t.gql(
      graphql(`
        mutation ContainmentCreateEngagement($input: CreateEngagementInput!) {
          createEngagement(input: $input) {
            engagement {
              id
            }
            userErrors {
              code
            }
          }
        }
      `),
      { input: { clientId, name: 'Year-end accounts', code: `YE-${clientId.slice(-8)}`, managerId: owner.userId } },
      owner.accessToken,
    );
    expect(result.errors).toBeUndefined();
    return result.data!.createEngagement.engagement!.id;
  };
  ids.set('Engagement', {
    own: await engagement(firmA, x!),
    sameFirm: await engagement(firmA, y!),
    otherFirm: await engagement(firmB, z!),
  });
  const threads = [await thread(firmA, x!), await thread(firmA, y!), await thread(firmB, z!)];
  ids.set('MessageThread', {
    own: threads[0]!.threadId,
    sameFirm: threads[1]!.threadId,
    otherFirm: threads[2]!.threadId,
  });
  ids.set('Message', { own: threads[0]!.messageId, sameFirm: threads[1]!.messageId, otherFirm: threads[2]!.messageId });
}

const env = useStackWithAdmin();
beforeAll(async () => {
  [firmA, firmB] = [await signUpFirm(env.t), await signUpFirm(env.t)];
  await seed();
  const schema = await env.t.gql(INTROSPECTION, {}, portal.accessToken);
  expect(schema.errors).toBeUndefined();
  types = new Map((schema.data!.__schema.types as TypeInfo[]).map((type) => [type.name, type]));
  queryFields = types.get(schema.data!.__schema.queryType.name)!.fields!;
}, 120_000);

/** Argument text for a field, given the id to pass to its ID arguments; null when a required argument cannot be filled. */
function argumentsFor(field: FieldInfo, id: string | null): string | null {
  const parts: string[] = [];
  for (const arg of field.args) {
    const named = namedType(arg.type).name;
    if (named === 'ID' && id !== null) parts.push(`${arg.name}: ${JSON.stringify(id)}`);
    else if (named === 'Int' && ['first', 'last'].includes(arg.name)) parts.push(`${arg.name}: 5`);
    else if (isRequired(arg.type)) return null;
  }
  return parts.length > 0 ? `(${parts.join(', ')})` : '';
}

/** The leaf selection of a type: `__typename`, plus `id` when it has one. */
function leaf(typeName: string): string {
  const type = types.get(typeName)!;
  return type.fields?.some((f) => f.name === 'id') ? '{ __typename id }' : '{ __typename }';
}

function selectionOf(field: FieldInfo, args: string, inner: string): string {
  const type = types.get(namedType(field.type).name!)!;
  return ['OBJECT', 'INTERFACE', 'UNION'].includes(type.kind)
    ? `${field.name}${args} ${inner || leaf(type.name)}`
    : `${field.name}${args}`;
}

/** True when some object at the end of `names` (lists flattened) holds the last key: the field was resolved. */
function reached(data: unknown, names: string[]): boolean {
  let level: unknown[] = [data];
  for (const name of names.slice(0, -1)) {
    level = level.flatMap((value) => {
      const next = value && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
      return Array.isArray(next) ? next : next == null ? [] : [next];
    });
  }
  return level.some((value) => value !== null && typeof value === 'object' && names.at(-1)! in (value as object));
}

function codes(result: GraphQLResponse): string[] {
  return (result.errors ?? []).map((error) => String(error.extensions?.code));
}

/** A field path a portal session may name, as the selection that reaches it. */
interface NameablePath {
  label: string;
  /** Response keys from the root down to this field. */
  names: string[];
  /** Wraps an inner selection into the full query from the root. */
  wrap: (inner: string) => string;
  typeName: string;
}

/**
 * Walks the schema from the root fields the portal session may name with its own ids, down every
 * object field it may name (a field is nameable when naming it draws no FORBIDDEN), at most 7
 * levels deep and once per type and field.
 */
async function nameablePaths(): Promise<{ roots: FieldInfo[]; paths: NameablePath[]; refused: string[] }> {
  const roots: FieldInfo[] = [];
  const paths: NameablePath[] = [];
  const refused: string[] = [];
  const seen = new Set<string>();
  const queue: { path: NameablePath; depth: number }[] = [];
  for (const field of queryFields) {
    if (field.name.startsWith('_')) continue;
    const args = argumentsFor(field, ids.get(namedType(field.type).name!)?.own ?? null);
    if (args === null) continue;
    const result = await env.t.gql(`{ ${selectionOf(field, args, '')} }`, {}, portal.accessToken);
    if (codes(result).some((code) => code === 'FORBIDDEN' || code === 'UNAUTHENTICATED')) {
      refused.push(`Query.${field.name}`);
      continue;
    }
    roots.push(field);
    const path: NameablePath = {
      label: `Query.${field.name}`,
      names: [field.name],
      wrap: (inner) => `{ ${selectionOf(field, args, inner)} }`,
      typeName: namedType(field.type).name!,
    };
    paths.push(path);
    queue.push({ path, depth: 1 });
  }
  while (queue.length > 0) {
    const { path, depth } = queue.shift()!;
    const type = types.get(path.typeName)!;
    if (type.kind !== 'OBJECT' || depth >= 7) continue;
    for (const field of type.fields!) {
      const key = `${type.name}.${field.name}`;
      if (seen.has(key)) continue;
      const args = argumentsFor(field, null);
      if (args === null) continue;
      const result = await env.t.gql(path.wrap(`{ ${selectionOf(field, args, '')} }`), {}, portal.accessToken);
      if (codes(result).includes('FORBIDDEN')) {
        seen.add(key);
        refused.push(key);
        continue;
      }
      // Under a null parent or an empty list the field never ran: try it again from another path.
      if (!reached(result.data, [...path.names, field.name])) continue;
      seen.add(key);
      const child: NameablePath = {
        label: key,
        names: [...path.names, field.name],
        wrap: (inner) => path.wrap(`{ ${selectionOf(field, args, inner)} }`),
        typeName: namedType(field.type).name!,
      };
      paths.push(child);
      queue.push({ path: child, depth: depth + 1 });
    }
  }
  return { roots, paths, refused };
}

describe('portal containment matrix', () => {
  it('every field a portal session can name stays within its own client, against a second client of the firm and a second firm', async () => {
    const { roots, paths, refused } = await nameablePaths();
    const labels = paths.map((p) => p.label);
    // The walk found the portal's real surface (so the matrix below cannot pass vacuously) and the
    // staff-only fields stayed refused.
    expect(labels).toEqual(
      expect.arrayContaining([
        'Query.portalViewer',
        'PortalViewer.clients',
        'Client.name',
        'Client.balance',
        'Client.invoices',
        'Invoice.total',
        'Client.documents',
        'Document.filename',
        'Client.engagements',
        'Engagement.code',
        'Engagement.endDate',
      ]),
    );
    expect(refused).toEqual(
      expect.arrayContaining([
        'Query.clients',
        'Query.client',
        'Query.contacts',
        'Query.accounts',
        'Query.journalEntries',
        'Query.verifyLedger',
        'Query.taxRates',
        'Client.email',
        'Client.contacts',
        'Engagement.team',
        'Engagement.manager',
        'Engagement.description',
      ]),
    );

    const foreign = [...ids.entries()].flatMap(([type, set]) => [
      { type, scope: 'sameFirm', id: set.sameFirm },
      { type, scope: 'otherFirm', id: set.otherFirm },
    ]);
    // Everything nameable, from every root, in one response: no foreign id anywhere in it.
    for (const path of paths.filter(
      (p) => !p.label.startsWith('Query.') || roots.some((r) => `Query.${r.name}` === p.label),
    )) {
      const result = await env.t.gql(path.wrap(''), {}, portal.accessToken);
      const text = JSON.stringify(result.data ?? null);
      for (const { type, scope, id } of foreign)
        expect(text, `${path.label} must not reveal ${type} of ${scope}`).not.toContain(id);
    }
    // Root fields that take an id: a foreign id answers like a missing one (null or NOT_FOUND/FORBIDDEN), never with data.
    let checked = 0;
    for (const field of roots) {
      const type = namedType(field.type).name!;
      const set = ids.get(type);
      if (!set || !field.args.some((arg) => namedType(arg.type).name === 'ID')) continue;
      for (const scope of ['sameFirm', 'otherFirm'] as const) {
        const result = await env.t.gql(
          `{ ${selectionOf(field, argumentsFor(field, set[scope])!, '')} }`,
          {},
          portal.accessToken,
        );
        expect(result.data?.[field.name] ?? null, `Query.${field.name} with a ${scope} ${type} id`).toBeNull();
        expect(JSON.stringify(result)).not.toContain(`"id":"${set[scope]}"`);
        checked += 1;
      }
      // The own id answers with data: the check above can fail.
      const own = await env.t.gql(
        `{ ${selectionOf(field, argumentsFor(field, set.own)!, '')} }`,
        {},
        portal.accessToken,
      );
      expect(own.data?.[field.name], `Query.${field.name} with its own ${type} id`).not.toBeNull();
    }
    // portalUser(id) is staff-only; messageThread(id) and message(id) are the portal's id-taking roots.
    expect(checked).toBeGreaterThanOrEqual(4);
  });

  it('a non-portal-visible field on the own client is refused with FORBIDDEN, not answered with null', async () => {
    for (const field of ['email', 'phone', 'website', 'status', 'contacts { role }', 'organization { id }']) {
      const result = await env.t.gql(`{ portalViewer { clients { id ${field} } } }`, {}, portal.accessToken);
      expect(codes(result), field).toContain('FORBIDDEN');
    }
  });
});
