import { clientsTable } from './crm.ts';
import { invoicesTable } from './billing.ts';
import { documentsTable } from './documents.ts';
import { firmsTable, membershipsTable, usersTable } from './tenancy.ts';
import type { SeedTable } from './table.ts';

/**
 * Every table the large seed fills, parents before children. Time entries, contacts, invoice
 * lines and messages join this list when their tables exist (issue #5).
 */
export const SEED_TABLES: readonly SeedTable[] = [firmsTable, usersTable, membershipsTable, clientsTable, invoicesTable, documentsTable];
