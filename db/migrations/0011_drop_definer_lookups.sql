-- API keys now name their firm and grants are named by (firm, id), so both lookups run under the
-- firm's own row-level security. The SECURITY DEFINER lookups of 0006 and the owner-only policies
-- they needed are gone: every permissive policy on a tenant table requires the tenant again.
DROP FUNCTION "tenancy"."api_key_by_hash"(text);--> statement-breakpoint
DROP FUNCTION "tenancy"."break_glass_grant_firm"(uuid);--> statement-breakpoint
DROP POLICY "api_keys_owner_lookup" ON "tenancy"."api_keys";--> statement-breakpoint
DROP POLICY "break_glass_grants_owner_lookup" ON "tenancy"."break_glass_grants";
