import type { ClientOrganizationRow } from '../../../db/schema/contacts.ts';
import type { ClientRow } from '../../../db/schema/crm.ts';
import { recordAudit } from '../../../platform/audit.ts';
import { enqueueEvents } from '../../../platform/outbox.ts';
import { assertCan } from '../../../platform/authz.ts';
import { notFound } from '../../../platform/errors.ts';
import { isUuid, newId } from '../../../platform/ids.ts';
import { requiredText, type UserError as GenericUserError } from '../../../platform/user-errors.ts';
import type { UserErrorCode } from '../__generated__/resolvers-types.ts';
import { unknownClients } from '../contacts/contact-service.ts';
import type { CrmContext } from '../crm-context.ts';
import {
  getOrganizationForUpdate,
  insertOrganization,
  removeClientsFromOrganizationRows,
  setClientsOrganization,
} from './organization-store.ts';

type UserError = GenericUserError<UserErrorCode>;
type OrganizationPayload = { organization: ClientOrganizationRow | null; userErrors: UserError[] };

/** Most clients one organization mutation may name. */
const MAX_ORGANIZATION_CLIENTS = 100;

/** An organization of the active firm, or null (unknown, malformed and other firms' ids alike). Requires `client:read`. */
export async function findOrganization(ctx: CrmContext, organizationId: string): Promise<ClientOrganizationRow | null> {
  assertCan(ctx.actor, 'client:read');
  return isUuid(organizationId) ? ctx.loaders.organizationById.load(organizationId) : null;
}

/** The organization a client belongs to, or null. Requires `client:read`. */
export async function clientOrganization(ctx: CrmContext, clientId: string): Promise<ClientOrganizationRow | null> {
  assertCan(ctx.actor, 'client:read');
  const organizationId = await ctx.loaders.organizationIdByClient.load(clientId);
  return organizationId ? ctx.loaders.organizationById.load(organizationId) : null;
}

/** An organization's clients, by name. Requires `client:read`. */
export async function organizationClients(ctx: CrmContext, organizationId: string): Promise<ClientRow[]> {
  assertCan(ctx.actor, 'client:read');
  const clientIds = await ctx.loaders.clientIdsByOrganization.load(organizationId);
  const rows = await ctx.loaders.clientById.loadMany(clientIds);
  return rows.filter((row): row is ClientRow => row !== null && !(row instanceof Error));
}

function clientIdErrors(clientIds: readonly string[], allowEmpty: boolean): UserError[] {
  const errors: UserError[] = [];
  if (!allowEmpty && clientIds.length === 0)
    errors.push({ field: ['input', 'clientIds'], message: 'Name at least one client.', code: 'REQUIRED' });
  if (clientIds.length > MAX_ORGANIZATION_CLIENTS)
    errors.push({
      field: ['input', 'clientIds'],
      message: `At most ${MAX_ORGANIZATION_CLIENTS} clients.`,
      code: 'TOO_LONG',
    });
  clientIds.forEach((id, i) => {
    if (clientIds.indexOf(id) !== i)
      errors.push({
        field: ['input', 'clientIds', String(i)],
        message: 'This client is named twice.',
        code: 'DUPLICATE',
      });
  });
  return errors;
}

/**
 * Creates an organization with clients (each leaves any organization it was in). Requires
 * `client:write`. Audited as `client_organization.create`.
 * @returns userErrors REQUIRED/TOO_LONG on the name, TOO_LONG/DUPLICATE/UNKNOWN_CLIENT on clientIds; nothing is written then.
 */
export async function createClientOrganization(
  ctx: CrmContext,
  input: { name: string; clientIds?: readonly string[] | null },
): Promise<OrganizationPayload> {
  const { firmId } = assertCan(ctx.actor, 'client:write');
  const clientIds = input.clientIds ?? [];
  const userErrors: UserError[] = [];
  const name = requiredText(input.name, ['input', 'name'], 200, userErrors);
  userErrors.push(...clientIdErrors(clientIds, true));
  if (userErrors.length > 0) return { organization: null, userErrors };
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const unknown = await unknownClients(tx, firmId, clientIds, ['input', 'clientIds']);
    if (unknown.length > 0) return { organization: null, userErrors: unknown };
    const organization = await insertOrganization(tx, { firmId, id: newId(), name });
    await setClientsOrganization(tx, { firmId, organizationId: organization.id, clientIds });
    await recordAudit(tx, ctx, {
      firmId,
      action: 'client_organization.create',
      targetType: 'client_organization',
      targetId: organization.id,
      metadata: { clients: clientIds.length },
    });
    return { organization, userErrors: [] };
  });
}

/**
 * Adds clients to an organization or takes them out. Requires `client:write`. Audited as
 * `client_organization.add_clients` / `client_organization.remove_clients`. Portal users granted
 * the organization reach added clients from their next request on, and lose removed ones likewise
 * (a `credential.revoked` event for `firm:<id>` through crm's outbox).
 * @throws NOT_FOUND when the active firm has no such organization.
 */
export async function changeOrganizationClients(
  ctx: CrmContext,
  input: { organizationId: string; clientIds: readonly string[] },
  change: 'add' | 'remove',
): Promise<OrganizationPayload> {
  const { firmId } = assertCan(ctx.actor, 'client:write');
  if (!isUuid(input.organizationId)) throw notFound('ClientOrganization');
  const userErrors = clientIdErrors(input.clientIds, false);
  return ctx.database.withTenant({ firmId }, async (tx) => {
    const organization = await getOrganizationForUpdate(tx, { firmId, organizationId: input.organizationId });
    if (!organization) throw notFound('ClientOrganization');
    if (userErrors.length > 0) return { organization: null, userErrors };
    const { organizationId, clientIds } = input;
    if (change === 'add') {
      const unknown = await unknownClients(tx, firmId, clientIds, ['input', 'clientIds']);
      if (unknown.length > 0) return { organization: null, userErrors: unknown };
      await setClientsOrganization(tx, { firmId, organizationId, clientIds });
    } else {
      await removeClientsFromOrganizationRows(tx, { firmId, organizationId, clientIds: clientIds.filter(isUuid) });
    }
    // Organization grants reach other clients now (a client added may also have left another
    // organization): gateways drop every cached resolution in the firm, so reaches are recomputed.
    await enqueueEvents(tx, 'crm', [
      { firmId, topic: 'credential.revoked', payload: { subjects: [`firm:${firmId}`] } },
    ]);
    await recordAudit(tx, ctx, {
      firmId,
      action: change === 'add' ? 'client_organization.add_clients' : 'client_organization.remove_clients',
      targetType: 'client_organization',
      targetId: organizationId,
      metadata: { clients: clientIds.length },
    });
    return { organization, userErrors: [] };
  });
}
