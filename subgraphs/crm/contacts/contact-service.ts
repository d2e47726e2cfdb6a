import type { ClientContactRow, ContactRoleValue, ContactRow } from '../../../db/schema/contacts.ts';
import type { Tx } from '../../../db/client.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { enqueueEvents } from '../../../platform/outbox.ts';
import { assertCan } from '../../../platform/authz.ts';
import { badUserInput, notFound } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { parsePageArgs, toConnection, type Connection, type PageArgs } from '../../../platform/relay.ts';
import {
  isStorableText,
  normalizeEmail,
  optionalText,
  requiredText,
  type UserError as GenericUserError,
} from '../../../platform/user-errors.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';
import type { CrmContext } from '../crm-context.ts';
import {
  CONTACT_CURSOR,
  contactSortKey,
  countContacts,
  deleteClientContact,
  existingClientIds,
  getContactForUpdate,
  insertContact,
  listContacts,
  updateContactRow,
  upsertClientContact,
} from './contact-store.ts';

type UserError = GenericUserError<UserErrorCode>;

/** Most client links one `createContact` may make. */
const MAX_CONTACT_LINKS = 100;

/** Input of `createContact` as it arrives from GraphQL. */
export interface CreateContactInput {
  name: string;
  email?: string | null;
  phone?: string | null;
  title?: string | null;
  links?: { clientId: string; role: ContactRoleValue }[] | null;
}

/** Input of `updateContact`: an omitted key keeps its value; null clears an optional field. */
export interface UpdateContactInput {
  id: string;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  title?: string | null;
}

/** A contact of the active firm, or null (unknown, malformed and other firms' ids alike). Requires `contact:read`. */
export async function findContact(ctx: CrmContext, contactId: string): Promise<ContactRow | null> {
  assertCan(ctx.actor, 'contact:read');
  return isUuid(contactId) ? ctx.loaders.contactById.load(contactId) : null;
}

/**
 * One forward page of the active firm's contacts in name order; `totalCount` only when `withTotal`.
 * Requires `contact:read`.
 * @throws BAD_USER_INPUT for invalid page arguments or search text.
 */
export async function listFirmContacts(
  ctx: CrmContext,
  args: PageArgs & { search?: string | null },
  withTotal: boolean,
): Promise<Connection<ContactRow>> {
  const { firmId } = assertCan(ctx.actor, 'contact:read');
  const page = parsePageArgs({ first: args.first, after: args.after }, CONTACT_CURSOR);
  const search = args.search?.trim() || null;
  if (search && !isStorableText(search)) throw badUserInput('The search contains a character that is not allowed.');
  const { rows, total } = await ctx.database.withTenant({ firmId }, async (tx) => ({
    rows: page.limit === 0 ? [] : await listContacts(tx, { firmId, search, page }),
    total: withTotal ? await countContacts(tx, { firmId, search }) : 0,
  }));
  for (const row of rows) ctx.loaders.contactById.prime(row.id, row);
  return toConnection(rows, page, contactSortKey, total);
}

/** A contact's client links, by client name. Requires `contact:read`. */
export async function contactLinks(ctx: CrmContext, contactId: string): Promise<ClientContactRow[]> {
  assertCan(ctx.actor, 'contact:read');
  return ctx.loaders.linksByContact.load(contactId);
}

/** A client's contact links, by contact name. Requires `contact:read`. */
export async function clientContactLinks(ctx: CrmContext, clientId: string): Promise<ClientContactRow[]> {
  assertCan(ctx.actor, 'contact:read');
  return ctx.loaders.linksByClient.load(clientId);
}

/**
 * Creates a contact and its client links in one transaction. Requires `contact:write`.
 * Audited as `contact.create` (the number of links, never the contact's details).
 * @returns userErrors REQUIRED/TOO_LONG/INVALID, UNKNOWN_CLIENT or DUPLICATE on `links`; nothing is written then.
 */
export async function createContact(
  ctx: CrmContext,
  input: CreateContactInput,
): Promise<{ contact: ContactRow | null; userErrors: UserError[] }> {
  const { firmId } = assertCan(ctx.actor, 'contact:write');
  const userErrors: UserError[] = [];
  const name = requiredText(input.name, ['input', 'name'], 200, userErrors);
  const email = input.email?.trim() ? normalizeEmail(input.email, ['input', 'email'], userErrors) : null;
  const phone = optionalText(input.phone, ['input', 'phone'], 50, userErrors);
  const title = optionalText(input.title, ['input', 'title'], 200, userErrors);
  const links = input.links ?? [];
  if (links.length > MAX_CONTACT_LINKS)
    userErrors.push({ field: ['input', 'links'], message: `At most ${MAX_CONTACT_LINKS} links.`, code: 'TOO_LONG' });
  const seen = new Set<string>();
  links.forEach((link, i) => {
    if (seen.has(link.clientId))
      userErrors.push({
        field: ['input', 'links', String(i), 'clientId'],
        message: 'This client is named twice.',
        code: 'DUPLICATE',
      });
    seen.add(link.clientId);
  });
  if (userErrors.length > 0) return { contact: null, userErrors };

  return ctx.database.withTenant({ firmId }, async (tx) => {
    const unknown = await unknownClients(
      tx,
      firmId,
      links.map((l) => l.clientId),
      ['input', 'links'],
    );
    if (unknown.length > 0) return { contact: null, userErrors: unknown };
    const contact = await insertContact(tx, { firmId, id: newId(), name, email, phone, title });
    for (const link of links)
      await upsertClientContact(tx, { firmId, clientId: link.clientId, contactId: contact.id, role: link.role });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'contact.create',
      targetType: 'contact',
      targetId: contact.id,
      metadata: { links: links.length },
    });
    return { contact, userErrors: [] };
  });
}

/**
 * Changes a contact's details. Requires `contact:write`. Audited as `contact.update` (field names only).
 * @throws NOT_FOUND when the active firm has no such contact.
 */
export async function updateContact(
  ctx: CrmContext,
  input: UpdateContactInput,
): Promise<{ contact: ContactRow | null; userErrors: UserError[] }> {
  const { firmId } = assertCan(ctx.actor, 'contact:write');
  if (!isUuid(input.id)) throw notFound('Contact');
  const userErrors: UserError[] = [];
  const patch: Partial<Pick<ContactRow, 'name' | 'email' | 'phone' | 'title'>> = {};
  if (input.name !== undefined) patch.name = requiredText(input.name ?? '', ['input', 'name'], 200, userErrors);
  if (input.email !== undefined)
    patch.email = input.email?.trim() ? normalizeEmail(input.email, ['input', 'email'], userErrors) : null;
  if (input.phone !== undefined) patch.phone = optionalText(input.phone, ['input', 'phone'], 50, userErrors);
  if (input.title !== undefined) patch.title = optionalText(input.title, ['input', 'title'], 200, userErrors);
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const current = await getContactForUpdate(tx, { firmId, contactId: input.id });
    if (!current) throw notFound('Contact');
    if (userErrors.length > 0) return { contact: null, userErrors };
    if (Object.keys(patch).length === 0) return { contact: current, userErrors: [] };
    const contact = await updateContactRow(tx, { firmId, contactId: input.id, patch });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'contact.update',
      targetType: 'contact',
      targetId: input.id,
      metadata: { fields: Object.keys(patch).join(',') },
    });
    return { contact, userErrors: [] };
  });
}

/**
 * Links a contact to a client with a role (or changes the role). Requires `contact:write`.
 * Audited as `contact.link`.
 * @throws NOT_FOUND when the contact or the client is not in the active firm.
 */
export async function linkContactToClient(
  ctx: CrmContext,
  input: { contactId: string; clientId: string; role: ContactRoleValue },
): Promise<{ link: ClientContactRow | null; userErrors: UserError[] }> {
  const { firmId } = assertCan(ctx.actor, 'contact:write');
  if (!isUuid(input.contactId)) throw notFound('Contact');
  if (!isUuid(input.clientId)) throw notFound('Client');
  return ctx.database.withTenant({ firmId }, async (tx) => {
    if (!(await getContactForUpdate(tx, { firmId, contactId: input.contactId }))) throw notFound('Contact');
    if ((await existingClientIds(tx, { firmId, clientIds: [input.clientId] })).size === 0) throw notFound('Client');
    const link = await upsertClientContact(tx, { firmId, ...input });
    // A portal user of this contact may now reach the client: cached reaches are out of date.
    await enqueueEvents(tx, 'crm', [
      { firmId, topic: 'credential.revoked', payload: { subjects: [`contact:${input.contactId}`] } },
    ]);
    await recordAudit(tx, ctx, {
      firmId,
      action: 'contact.link',
      targetType: 'contact',
      targetId: input.contactId,
      metadata: { clientId: input.clientId, role: input.role },
    });
    return { link, userErrors: [] };
  });
}

/**
 * Removes a contact's link to a client; removing a missing link changes nothing. Requires
 * `contact:write`. Audited as `contact.unlink`. A portal user of the contact stops reaching the
 * client at once (its reach is the grants narrowed to linked clients, `crm.portal_reach`): the
 * change publishes `credential.revoked` for `contact:<id>` through crm's outbox, and gateways drop
 * the contact's cached resolutions. The grant itself stays until `revokePortalAccess`.
 * @throws NOT_FOUND when the contact is not in the active firm.
 */
export async function unlinkContactFromClient(
  ctx: CrmContext,
  input: { contactId: string; clientId: string },
): Promise<{ contact: ContactRow | null; userErrors: UserError[] }> {
  const { firmId } = assertCan(ctx.actor, 'contact:write');
  if (!isUuid(input.contactId)) throw notFound('Contact');
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const contact = await getContactForUpdate(tx, { firmId, contactId: input.contactId });
    if (!contact) throw notFound('Contact');
    if (isUuid(input.clientId) && (await deleteClientContact(tx, { firmId, ...input }))) {
      // A portal user of this contact reaches the client no more: gateways drop what they cached.
      await enqueueEvents(tx, 'crm', [
        { firmId, topic: 'credential.revoked', payload: { subjects: [`contact:${input.contactId}`] } },
      ]);
      await recordAudit(tx, ctx, {
        firmId,
        action: 'contact.unlink',
        targetType: 'contact',
        targetId: input.contactId,
        metadata: { clientId: input.clientId },
      });
    }
    return { contact, userErrors: [] };
  });
}

/**
 * UNKNOWN_CLIENT user errors for the ids in `clientIds` that are not clients of the firm (malformed
 * ids included), each at `field` + its index.
 */
export async function unknownClients(
  tx: Tx,
  firmId: string,
  clientIds: readonly string[],
  field: string[],
): Promise<UserError[]> {
  const existing = await existingClientIds(tx, { firmId, clientIds: clientIds.filter(isUuid) });
  return clientIds.flatMap((id, i) =>
    existing.has(id)
      ? []
      : [
          {
            field: [...field, String(i)],
            message: 'There is no such client in this firm.',
            code: 'UNKNOWN_CLIENT' as const,
          },
        ],
  );
}
