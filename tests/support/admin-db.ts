import postgres from 'postgres';
import { inject } from 'vitest';

/** A privileged connection to the throwaway test database, for checking rows byte for byte. */
export function connectAdmin(): postgres.Sql {
  return postgres(inject('adminUrl'), { max: 1, onnotice: () => {} });
}

/**
 * Runs `work` in a transaction with `app.firm_id` set to `firmId`. A superuser bypasses the FORCEd
 * row-level security anyway; setting the tenant too keeps these reads working for a privileged
 * role that does not bypass it (e.g. a DATABASE_URL owner without BYPASSRLS).
 */
export async function asFirm<T>(admin: postgres.Sql, firmId: string, work: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return (await admin.begin(async (tx) => {
    await tx`select set_config('app.firm_id', ${firmId}, true)`;
    return work(tx);
  })) as T;
}

/** The stored client row as PostgreSQL renders it (`row_to_json(c)::text`), or null when there is none. */
export async function clientRowText(admin: postgres.Sql, firmId: string, clientId: string): Promise<string | null> {
  const rows = await asFirm(admin, firmId, (tx) => tx`select row_to_json(c)::text as row from crm.clients c where c.id = ${clientId}`);
  return (rows[0]?.row as string | undefined) ?? null;
}

/** How many client rows the firm has, in any status. */
export async function countClientRows(admin: postgres.Sql, firmId: string): Promise<number> {
  const rows = await asFirm(admin, firmId, (tx) => tx`select count(*)::int as count from crm.clients where firm_id = ${firmId}`);
  return rows[0]!.count as number;
}
