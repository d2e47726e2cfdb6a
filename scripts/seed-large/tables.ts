import { clientContactsTable, clientsTable, clientTeamMembersTable, contactsTable } from './crm.ts';
import {
  accountsTable,
  creditNotesTable,
  invoiceLinesTable,
  invoicesTable,
  journalEntriesTable,
  journalLinesTable,
} from './billing.ts';
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
import {
  engagementsTable,
  engagementTeamMembersTable,
  firmTimeSettingsTable,
  ratesTable,
  servicesTable,
  staffCapacitiesTable,
  timeEntriesTable,
} from './time.ts';

/** Every table the large seed fills, parents before children. */
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
  accountsTable,
  invoicesTable,
  invoiceLinesTable,
  creditNotesTable,
  journalEntriesTable,
  journalLinesTable,
  documentsTable,
  engagementsTable,
  engagementTeamMembersTable,
  servicesTable,
  ratesTable,
  staffCapacitiesTable,
  firmTimeSettingsTable,
  timeEntriesTable,
];
