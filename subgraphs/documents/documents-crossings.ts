import { sql } from 'drizzle-orm';
import { uuidArray, type Tx } from '../../db/client.ts';

// What documents reads of other subgraphs' schemas, each through a named SECURITY DEFINER crossing
// (README "Database roles"). Each answers for the transaction's firm only.

/** True when `clientId` names a client of the transaction's firm (`crm.client_currencies`, migration 0012). */
export async function isFirmClient(tx: Tx, clientId: string): Promise<boolean> {
  const rows = await tx.execute(sql`select 1 from crm.client_currencies(${uuidArray([clientId])})`);
  return rows.length > 0;
}
