import { sql } from 'drizzle-orm';
import { foreignKey, index, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { clients, crm } from './crm.ts';
import { tenantIsolationPolicy } from './tenant-policy.ts';

/** What a contact is to a client it is linked to. */
export const contactRoleEnum = crm.enum('contact_role', ['PRIMARY', 'BILLING', 'OTHER']);

/** People at the firm's clients: the firm's address book, linked to one or more clients. */
export const contacts = crm.table(
  'contacts',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    /** `lower(name)`, stored: the list's sort key, a plain column for the reason given on `clients.nameKey`. */
    nameKey: text('name_key')
      .notNull()
      .generatedAlwaysAs(sql`lower(name)`),
    email: text('email'),
    phone: text('phone'),
    title: text('title'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.id] }),
    // Serves the list order (name, id) within a firm, first page and keyset pages alike.
    index('contacts_firm_name_key_idx').on(t.firmId, t.nameKey, t.id),
    tenantIsolationPolicy('contacts'),
  ],
);

/** A contact's link to one client, with the contact's role there; one link per (client, contact). */
export const clientContacts = crm.table(
  'client_contacts',
  {
    firmId: uuid('firm_id').notNull(),
    clientId: uuid('client_id').notNull(),
    contactId: uuid('contact_id').notNull(),
    role: contactRoleEnum('role').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.clientId, t.contactId] }),
    index('client_contacts_contact_idx').on(t.firmId, t.contactId),
    foreignKey({
      columns: [t.firmId, t.clientId],
      foreignColumns: [clients.firmId, clients.id],
      name: 'client_contacts_client_fk',
    }),
    foreignKey({
      columns: [t.firmId, t.contactId],
      foreignColumns: [contacts.firmId, contacts.id],
      name: 'client_contacts_contact_fk',
    }),
    tenantIsolationPolicy('client_contacts'),
  ],
);

/** A group of client accounts, e.g. a holding company and its subsidiaries. */
export const clientOrganizations = crm.table(
  'client_organizations',
  {
    firmId: uuid('firm_id').notNull(),
    id: uuid('id').notNull(),
    name: text('name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.firmId, t.id] }), tenantIsolationPolicy('client_organizations')],
);

/** Which organization a client belongs to: at most one per client. */
export const clientOrganizationMembers = crm.table(
  'client_organization_members',
  {
    firmId: uuid('firm_id').notNull(),
    clientId: uuid('client_id').notNull(),
    organizationId: uuid('organization_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.clientId] }),
    index('client_organization_members_org_idx').on(t.firmId, t.organizationId),
    foreignKey({
      columns: [t.firmId, t.clientId],
      foreignColumns: [clients.firmId, clients.id],
      name: 'client_organization_members_client_fk',
    }),
    foreignKey({
      columns: [t.firmId, t.organizationId],
      foreignColumns: [clientOrganizations.firmId, clientOrganizations.id],
      name: 'client_organization_members_organization_fk',
    }),
    tenantIsolationPolicy('client_organization_members'),
  ],
);

/** A stored contact. */
export type ContactRow = typeof contacts.$inferSelect;
/** A stored client–contact link. */
export type ClientContactRow = typeof clientContacts.$inferSelect;
/** A stored client organization. */
export type ClientOrganizationRow = typeof clientOrganizations.$inferSelect;
/** `PRIMARY`, `BILLING` or `OTHER`. */
export type ContactRoleValue = (typeof contactRoleEnum.enumValues)[number];
