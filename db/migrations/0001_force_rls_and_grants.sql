-- Wall 3 (design brief §3): RLS applies to the table owner too, so no code path escapes it.
ALTER TABLE "tenancy"."firms" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."memberships" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."invitations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "crm"."clients" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."invoices" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "documents"."documents" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- The app role (created by db/bootstrap.ts) uses the tables and owns none of them.
GRANT USAGE ON SCHEMA "tenancy", "crm", "billing", "documents" TO firmgraph_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "tenancy", "crm", "billing", "documents" TO firmgraph_app;--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA "tenancy", "crm", "billing", "documents" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO firmgraph_app;
