import { connectDatabase, postgresClient } from '../db/client.ts';
import { prepareDatabase } from '../db/setup.ts';
import { newId } from '../platform/ids.ts';
import { pruneFirmAuditLog } from '../subgraphs/tenancy/audit/audit-service.ts';
import { runService } from './run-service.ts';

// `npm run audit:prune`: for every firm, drops the audit records older than the firm's
// auditRetentionDays and appends an `audit.prune` record of the run (README "Audit log"). Idempotent;
// schedule it daily (cron, or the job queue once it lands). Each firm is pruned in its own
// transaction as tenancy's role (the log is tenancy's), so RLS and the owner-only prune function still apply.
await runService('audit-prune', async (config, log) => {
  const prepared = await prepareDatabase(config);
  const admin = postgresClient(prepared.adminUrl, { max: 1, onnotice: () => {} });
  const database = connectDatabase(prepared.serviceUrls.tenancy, { max: 2, applicationName: 'firmgraph-audit-prune' });
  const requestId = `audit-prune-${newId()}`;
  try {
    // Listing every firm is the one read that needs to see past RLS: tenancy's role sees no firm without a tenant.
    const [role] = await admin`select rolsuper or rolbypassrls as sees_all from pg_roles where rolname = current_user`;
    if (!role?.sees_all) throw new Error('DATABASE_URL must be a superuser or a BYPASSRLS role to list every firm');
    const firms = await admin`select id from tenancy.firms order by id`;
    let total = 0;
    for (const { id } of firms) {
      const pruned = await pruneFirmAuditLog(database, { firmId: id as string, requestId });
      log.info({ requestId, firmId: id, pruned }, 'audit log pruned');
      total += pruned;
    }
    console.log(`audit:prune ${requestId}: dropped ${total} records past retention across ${firms.length} firms`);
  } finally {
    await admin.end();
    await database.close();
    await prepared.embedded?.stop();
  }
  process.exit(0);
});
