import {
  bigint,
  customType,
  foreignKey,
  index,
  jsonb,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenantIsolationPolicy } from './tenant-policy.ts';
import { firms, tenancy } from './tenancy.ts';

/** PostgreSQL `bytea`, read and written as a Node Buffer (SHA-256 digests here). */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * The firm's append-only audit log (README "Audit log"). One row per mutation, authentication event or
 * permission denial, written in the same transaction as the change.
 *
 * The BEFORE INSERT trigger `tenancy.audit_log_chain()` (migration 0003) assigns `seq`,
 * `occurred_at`, `prev_hash` and `hash` under a per-firm lock on `audit_chain_heads`, so the
 * chain never forks; whatever the inserter sends for those columns is overwritten.
 * `hash = sha256(prev_hash || convert_to(tenancy.audit_entry_canonical(row), 'UTF8'))`.
 * The app role may only INSERT and SELECT; triggers refuse UPDATE, DELETE and TRUNCATE.
 */
export const auditLog = tenancy.table(
  'audit_log',
  {
    firmId: uuid('firm_id').notNull(),
    /** 1, 2, 3… per firm, without gaps; pruning removes a prefix. */
    seq: bigint('seq', { mode: 'bigint' }).notNull(),
    id: uuid('id').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, mode: 'date', precision: 3 }).notNull(),
    /** `STAFF`, `API_KEY`, `OPERATOR` or `ANONYMOUS`. */
    actorKind: text('actor_kind').notNull(),
    /** The user, API key or operator id; null for anonymous callers. */
    actorId: uuid('actor_id'),
    /** Dotted lowercase, e.g. `client.create`, `auth.login.failed`. */
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    requestId: text('request_id').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    /** Flat metadata: string, number, boolean or null values; never secrets or content. */
    metadata: jsonb('metadata').$type<Record<string, string | number | boolean | null>>().notNull(),
    prevHash: bytea('prev_hash').notNull(),
    hash: bytea('hash').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.firmId, t.seq] }),
    unique('audit_log_firm_id_key').on(t.firmId, t.id),
    foreignKey({ columns: [t.firmId], foreignColumns: [firms.id], name: 'audit_log_firm_fk' }),
    index('audit_log_firm_actor_idx').on(t.firmId, t.actorId, t.seq),
    index('audit_log_firm_target_idx').on(t.firmId, t.targetType, t.targetId, t.seq),
    tenantIsolationPolicy('audit_log'),
  ],
);

/**
 * The newest link of each firm's chain. The insert trigger locks this row (INSERT … ON CONFLICT
 * DO UPDATE) to serialize a firm's writers; it survives pruning, so the chain continues from it.
 * Only the owner role's trigger and prune functions touch it; the app role has no privileges.
 */
export const auditChainHeads = tenancy.table(
  'audit_chain_heads',
  {
    firmId: uuid('firm_id').notNull().primaryKey(),
    lastSeq: bigint('last_seq', { mode: 'bigint' }).notNull(),
    lastHash: bytea('last_hash').notNull(),
  },
  (t) => [
    foreignKey({ columns: [t.firmId], foreignColumns: [firms.id], name: 'audit_chain_heads_firm_fk' }),
    tenantIsolationPolicy('audit_chain_heads'),
  ],
);

/** A stored audit log entry. */
export type AuditLogRow = typeof auditLog.$inferSelect;
