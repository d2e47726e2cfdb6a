-- Wall 3 (design brief §3): RLS applies to the table owner too, on every new tenant table.
ALTER TABLE "crm"."contacts" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "crm"."client_contacts" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "crm"."client_organizations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "crm"."client_organization_members" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."portal_users" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."portal_client_grants" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."portal_tokens" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."portal_sessions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."portal_refresh_tokens" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- Portal users, tokens and sessions are revoked or marked used, never deleted: they are the record
-- of who could reach a firm's clients. Grants and the log-in directory follow access and may go.
REVOKE DELETE ON "tenancy"."portal_users", "tenancy"."portal_tokens", "tenancy"."portal_sessions", "tenancy"."portal_refresh_tokens" FROM firmgraph_app;
