import { clientContactsTable, clientsTable, clientTeamMembersTable, contactsTable } from './crm.ts';
import { invoicesTable } from './billing.ts';
import { documentsTable } from './documents.ts';
import { messageReadStatesTable, messagesTable, messageThreadsTable } from './messaging.ts';
import {
  firmsTable,
  membershipsTable,
  portalClientGrantsTable,
  portalLoginsTable,
  portalUsersTable,
  usersTable,
} from './tenancy.ts';
import type { SeedTable } from './table.ts';

/**
 * Every table the large seed fills, parents before children. Time entries and invoice lines join
 * this list when their tables exist (docs/benchmarks.md).
 */
export const SEED_TABLES: readonly SeedTable[] = [
  firmsTable,
  usersTable,
  membershipsTable,
  clientsTable,
  contactsTable,
  clientContactsTable,
  clientTeamMembersTable,
  portalUsersTable,
  portalClientGrantsTable,
  portalLoginsTable,
  messageThreadsTable,
  messagesTable,
  messageReadStatesTable,
  invoicesTable,
  documentsTable,
];
