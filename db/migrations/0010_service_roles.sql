-- One database role per subgraph (design brief §3, wall 3; README "Architecture"): each of
-- firmgraph_tenancy, firmgraph_crm, firmgraph_billing and firmgraph_documents is granted its own
-- schema only, with the privileges firmgraph_app held there table by table, and the gateway's
-- firmgraph_gateway only the rate-limit functions. db/migrate.ts creates the roles (they are
-- cluster-wide) and grants CONNECT before this runs; here, as firmgraph_owner, only grants on what
-- the owner owns. What one role needs of another schema is a SECURITY DEFINER function below,
-- granted by name. firmgraph_app, which held every schema, keeps no privilege: nothing connects as it.

-- ── tenancy: its tables, as firmgraph_app held them (audit_log is read-only, appended through
-- append_audit_record; audit_chain_heads and rate_limit_buckets are reached only by functions;
-- keys, grants, operators and portal records are revoked, never deleted; the outbox is written,
-- and emptied only by its dispatcher's functions) ──
GRANT USAGE ON SCHEMA "tenancy" TO firmgraph_tenancy;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "tenancy"."firms", "tenancy"."invitations", "tenancy"."login_throttles",
  "tenancy"."memberships", "tenancy"."mfa_backup_codes", "tenancy"."mfa_challenges", "tenancy"."portal_client_grants",
  "tenancy"."portal_logins", "tenancy"."refresh_tokens", "tenancy"."sessions", "tenancy"."user_totp", "tenancy"."users"
  TO firmgraph_tenancy;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "tenancy"."api_keys", "tenancy"."break_glass_grants", "tenancy"."operator_sessions",
  "tenancy"."platform_operators", "tenancy"."portal_refresh_tokens", "tenancy"."portal_sessions", "tenancy"."portal_tokens",
  "tenancy"."portal_users" TO firmgraph_tenancy;--> statement-breakpoint
GRANT SELECT, INSERT ON "tenancy"."outbox_events" TO firmgraph_tenancy;--> statement-breakpoint
GRANT SELECT ON "tenancy"."audit_log" TO firmgraph_tenancy;--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA "tenancy" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO firmgraph_tenancy;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "tenancy"."prune_audit_log"(uuid, uuid, text), "tenancy"."verify_audit_log"(uuid),
  "tenancy"."live_session"(uuid, uuid), "tenancy"."claim_outbox_events"(integer),
  "tenancy"."mark_outbox_events_published"(uuid[], uuid[]), "tenancy"."prune_outbox_events"(interval)
  TO firmgraph_tenancy;--> statement-breakpoint

-- ── crm: its tables (messages stay as tombstones, never deleted; the outbox as tenancy's) ──
GRANT USAGE ON SCHEMA "crm" TO firmgraph_crm;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "crm"."client_contacts", "crm"."client_organization_members",
  "crm"."client_organizations", "crm"."client_team_members", "crm"."clients", "crm"."contacts",
  "crm"."message_read_states", "crm"."message_threads" TO firmgraph_crm;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "crm"."messages" TO firmgraph_crm;--> statement-breakpoint
GRANT SELECT, INSERT ON "crm"."outbox_events" TO firmgraph_crm;--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA "crm" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO firmgraph_crm;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "crm"."claim_outbox_events"(integer), "crm"."mark_outbox_events_published"(uuid[], uuid[]),
  "crm"."prune_outbox_events"(interval) TO firmgraph_crm;--> statement-breakpoint

-- ── billing and documents: their tables ──
GRANT USAGE ON SCHEMA "billing" TO firmgraph_billing;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "billing"."invoices" TO firmgraph_billing;--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA "billing" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO firmgraph_billing;--> statement-breakpoint
GRANT USAGE ON SCHEMA "documents" TO firmgraph_documents;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "documents"."documents" TO firmgraph_documents;--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA "documents" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO firmgraph_documents;--> statement-breakpoint

-- ── The crossings: SECURITY DEFINER functions, each granted to the roles that call it ──
-- Naming a function needs USAGE on its schema. USAGE alone reaches no table (each needs its own
-- privilege, and these roles hold none across the wall); it lets the caller name the function.
GRANT USAGE ON SCHEMA "tenancy" TO firmgraph_crm, firmgraph_billing, firmgraph_documents;--> statement-breakpoint
GRANT USAGE ON SCHEMA "crm" TO firmgraph_tenancy;--> statement-breakpoint
GRANT USAGE ON SCHEMA "documents" TO firmgraph_crm;--> statement-breakpoint
-- Every subgraph audits in its own transactions (platform/audit.ts recordAudit, and each subgraph's
-- permission-denial plugin), so all four append to tenancy's log, and only through this function.
GRANT EXECUTE ON FUNCTION "tenancy"."append_audit_record"(uuid, uuid, text, uuid, text, text, text, text, text, text, jsonb)
  TO firmgraph_tenancy, firmgraph_crm, firmgraph_billing, firmgraph_documents;--> statement-breakpoint
-- tenancy's invitePortalUser checks the contact, clients and organization it grants (migration 0007).
GRANT EXECUTE ON FUNCTION "crm"."portal_invitation_targets"(uuid, uuid[], uuid) TO firmgraph_tenancy;--> statement-breakpoint
-- tenancy's credential introspection narrows a portal user's grants to what crm still links (migration 0009).
GRANT EXECUTE ON FUNCTION "crm"."portal_reach"(uuid, uuid[], uuid) TO firmgraph_tenancy;--> statement-breakpoint
-- crm's sendMessage asks documents which attachments the client may be sent. It was SECURITY INVOKER,
-- which needs the caller to read documents.documents; as the owner, crm reads nothing of documents but
-- this answer. The owner is bound by the forced tenant policy and the body filters on app.firm_id,
-- so another firm's ids are still absent; its search_path was pinned by migration 0003.
ALTER FUNCTION "documents"."attachable_document_ids"(uuid, uuid[]) SECURITY DEFINER;--> statement-breakpoint
COMMENT ON FUNCTION "documents"."attachable_document_ids"(uuid, uuid[]) IS
  'Which of the given ids name documents of the client in the current firm (app.firm_id): crm''s sendMessage checks attachments without reading documents'' tables.';--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "documents"."attachable_document_ids"(uuid, uuid[]) TO firmgraph_crm;--> statement-breakpoint
-- The gateway's one use of the database when REDIS_URL is unset: query-cost buckets shared by every
-- replica (gateway/limits/rate-limit.ts). It holds USAGE on tenancy to name them and no table privilege.
GRANT USAGE ON SCHEMA "tenancy" TO firmgraph_gateway;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "tenancy"."spend_rate_limit_points"(text[], double precision[], double precision[], double precision),
  "tenancy"."prune_rate_limit_buckets"(double precision) TO firmgraph_gateway;--> statement-breakpoint
COMMENT ON FUNCTION "tenancy"."spend_rate_limit_points"(text[], double precision[], double precision[], double precision) IS
  'Spends a query''s cost from every named rate-limit bucket, or from none: the gateway''s buckets when Redis is absent, without any table privilege.';--> statement-breakpoint
COMMENT ON FUNCTION "tenancy"."prune_rate_limit_buckets"(double precision) IS
  'Deletes rate-limit buckets idle long enough to be empty: the gateway''s periodic clean-up, without any table privilege.';--> statement-breakpoint
COMMENT ON FUNCTION "tenancy"."append_audit_record"(uuid, uuid, text, uuid, text, text, text, text, text, text, jsonb) IS
  'Appends one record to the current firm''s audit log (app.firm_id): the only way any subgraph, tenancy included, writes tenancy.audit_log.';--> statement-breakpoint

-- ── firmgraph_app: retired. Migrations 0001-0009 grant to it, so db/migrate.ts still creates it
-- (NOLOGIN), but it keeps nothing here ──
REVOKE ALL ON ALL TABLES IN SCHEMA "tenancy", "crm", "billing", "documents" FROM firmgraph_app;--> statement-breakpoint
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA "tenancy", "crm", "billing", "documents" FROM firmgraph_app;--> statement-breakpoint
REVOKE ALL ON SCHEMA "tenancy", "crm", "billing", "documents" FROM firmgraph_app;--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA "tenancy", "crm", "billing", "documents" REVOKE ALL ON TABLES FROM firmgraph_app;
