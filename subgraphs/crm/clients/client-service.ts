import type { ClientRow, ClientStatusValue } from '../../../db/schema/crm.ts';
import type { FirmReference } from './client-model.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { assertCan } from '../../../platform/authz.ts';
import { assertCanOrPortal } from '../../../platform/portal.ts';
import { badUserInput, notFound } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { parsePageArgs, toConnection, type Connection, type PageArgs } from '../../../platform/relay.ts';
import { actingFirmId } from '../../../platform/signed-context.ts';
import {
  isStorableText,
  normalizeEmail,
  optionalText,
  requiredText,
  type UserError as GenericUserError,
} from '../../../platform/user-errors.ts';
import type { CrmContext } from '../crm-context.ts';
import {
  CLIENT_CURSOR,
  clientSortKey,
  countClients,
  getClientForUpdate,
  insertClient,
  listClients,
  updateClientRow,
} from './client-store.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';

type UserError = GenericUserError<UserErrorCode>;

/** Result shape of the client mutations. */
export interface ClientPayload {
  client: ClientRow | null;
  userErrors: UserError[];
}

/** Input of `createClient` as it arrives from GraphQL. */
export interface CreateClientInput {
  name: string;
  email?: string | null;
  phone?: string | null;
  website?: string | null;
  currency?: string | null;
}

/** Input of `updateClient`: an omitted key keeps its value; null clears an optional field. */
export interface UpdateClientInput {
  id: string;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  website?: string | null;
}

/** Default billing currency of a new client. */
const DEFAULT_CLIENT_CURRENCY = 'USD';

/**
 * A client of the active firm by id, or null (unknown id, malformed id, or another firm's id all
 * answer the same). Requires `client:read`; a portal session gets only the clients it was granted
 * (the loader never reads the others), and null for the rest.
 */
export async function findClient(ctx: CrmContext, clientId: string): Promise<ClientRow | null> {
  assertCanOrPortal(ctx.actor, 'client:read');
  if (!isUuid(clientId)) return null;
  return ctx.loaders.clientById.load(clientId);
}

/**
 * One page of the active firm's clients in name order. `totalCount` is computed only when
 * `withTotal` is true, inside the same transaction. Requires `client:read`.
 * @throws BAD_USER_INPUT for invalid page arguments.
 */
export async function listFirmClients(
  ctx: CrmContext,
  args: PageArgs & { search?: string | null; status?: ClientStatusValue | null },
  withTotal: boolean,
): Promise<Connection<ClientRow>> {
  const { firmId } = assertCan(ctx.actor, 'client:read');
  const page = parsePageArgs(args, CLIENT_CURSOR);
  const search = args.search?.trim() || null;
  if (search && !isStorableText(search)) throw badUserInput('The search contains a character that is not allowed.');
  const filter = { firmId, status: args.status ?? 'ACTIVE', search };
  const { rows, total } = await ctx.database.withTenant({ firmId }, async (tx) => ({
    rows: page.limit === 0 ? [] : await listClients(tx, { ...filter, page }),
    total: withTotal ? await countClients(tx, filter) : 0,
  }));
  for (const row of rows) ctx.loaders.clientById.prime(row.id, row);
  return toConnection(rows, page, clientSortKey, total);
}

/** Creates a client in the active firm. Requires `client:write`. Invalid input writes nothing. */
export async function createClient(ctx: CrmContext, input: CreateClientInput): Promise<ClientPayload> {
  const { firmId } = assertCan(ctx.actor, 'client:write');
  const userErrors: UserError[] = [];
  const name = requiredText(input.name, ['input', 'name'], 200, userErrors);
  const email = input.email?.trim() ? normalizeEmail(input.email, ['input', 'email'], userErrors) : null;
  const phone = optionalText(input.phone, ['input', 'phone'], 50, userErrors);
  const website = optionalText(input.website, ['input', 'website'], 300, userErrors);
  if (userErrors.length > 0) return { client: null, userErrors };

  const client = await ctx.database.withTenant({ firmId }, async (tx) => {
    const created = await insertClient(tx, {
      firmId,
      id: newId(),
      name,
      email,
      phone,
      website,
      currency: input.currency ?? DEFAULT_CLIENT_CURRENCY,
    });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'client.create',
      targetType: 'client',
      targetId: created.id,
      metadata: { currency: created.currency },
    });
    return created;
  });
  return { client, userErrors: [] };
}

/**
 * Changes a client's details. Requires `client:write`.
 * @throws NOT_FOUND when the active firm has no such client (including another firm's id).
 */
export async function updateClient(ctx: CrmContext, input: UpdateClientInput): Promise<ClientPayload> {
  const { firmId } = assertCan(ctx.actor, 'client:write');
  if (!isUuid(input.id)) throw notFound('Client');
  const userErrors: UserError[] = [];
  const patch: Partial<Pick<ClientRow, 'name' | 'email' | 'phone' | 'website'>> = {};
  if (input.name !== undefined) patch.name = requiredText(input.name ?? '', ['input', 'name'], 200, userErrors);
  if (input.email !== undefined) {
    patch.email = input.email?.trim() ? normalizeEmail(input.email, ['input', 'email'], userErrors) : null;
  }
  if (input.phone !== undefined) patch.phone = optionalText(input.phone, ['input', 'phone'], 50, userErrors);
  if (input.website !== undefined) patch.website = optionalText(input.website, ['input', 'website'], 300, userErrors);

  return ctx.database.withTenant({ firmId }, async (tx) => {
    const current = await getClientForUpdate(tx, { firmId, clientId: input.id });
    if (!current) throw notFound('Client');
    if (userErrors.length > 0) return { client: null, userErrors };
    if (current.status === 'ARCHIVED') {
      return {
        client: null,
        userErrors: [{ field: ['input', 'id'], message: 'Archived clients cannot be changed.', code: 'ARCHIVED' }],
      };
    }
    if (Object.keys(patch).length === 0) return { client: current, userErrors: [] };
    const client = await updateClientRow(tx, { firmId, clientId: input.id, patch });
    // The names of the fields changed, never their values (contact details are personal data).
    await recordAudit(tx, ctx, {
      firmId,
      action: 'client.update',
      targetType: 'client',
      targetId: input.id,
      metadata: { fields: Object.keys(patch).join(',') },
    });
    return { client, userErrors: [] };
  });
}

/**
 * Archives a client; archiving an archived client returns it unchanged. Requires `client:archive`.
 * @throws NOT_FOUND when the active firm has no such client (including another firm's id).
 */
export async function archiveClient(ctx: CrmContext, clientId: string): Promise<ClientPayload> {
  const { firmId } = assertCan(ctx.actor, 'client:archive');
  if (!isUuid(clientId)) throw notFound('Client');
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const current = await getClientForUpdate(tx, { firmId, clientId });
    if (!current) throw notFound('Client');
    if (current.status === 'ARCHIVED') return { client: current, userErrors: [] };
    const client = await updateClientRow(tx, {
      firmId,
      clientId,
      patch: { status: 'ARCHIVED', archivedAt: new Date() },
    });
    await recordAudit(tx, ctx, { firmId, action: 'client.archive', targetType: 'client', targetId: clientId });
    return { client, userErrors: [] };
  });
}

/** The crm subgraph resolves a `Firm` reference only for the caller's active firm; any other is null. */
export function resolveFirmReference(ctx: CrmContext, reference: FirmReference): FirmReference | null {
  return actingFirmId(ctx.actor) === reference.id ? { id: reference.id } : null;
}
