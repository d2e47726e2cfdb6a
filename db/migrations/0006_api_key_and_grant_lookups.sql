-- Wall 3 (design brief §3): RLS applies to the table owner too.
ALTER TABLE "tenancy"."api_keys" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."break_glass_grants" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- Keys and grants are revoked, never deleted: they are the record of who could reach a firm.
REVOKE DELETE ON "tenancy"."api_keys", "tenancy"."break_glass_grants", "tenancy"."platform_operators", "tenancy"."operator_sessions" FROM firmgraph_app;--> statement-breakpoint
-- Two lookups must happen before the firm is known: the gateway finds an API key by the hash of
-- its secret, and an operator names a grant by id. Rather than a policy that lets the app role see
-- other firms' rows, each is a SECURITY DEFINER function owned by firmgraph_owner that returns a
-- few non-secret columns of exactly one row. The owner (which owns the tables and runs only
-- migrations and these functions) gets a SELECT-only policy for them; firmgraph_app gets none, so
-- its own queries still see only app.firm_id's rows. A platform-wide hash→firm index table would
-- also work, but would need a second write path kept in step with api_keys.
CREATE POLICY "api_keys_owner_lookup" ON "tenancy"."api_keys" AS PERMISSIVE FOR SELECT TO firmgraph_owner USING (true);--> statement-breakpoint
CREATE POLICY "break_glass_grants_owner_lookup" ON "tenancy"."break_glass_grants" AS PERMISSIVE FOR SELECT TO firmgraph_owner USING (true);--> statement-breakpoint
CREATE FUNCTION "tenancy"."api_key_by_hash"(p_token_hash text)
RETURNS TABLE (id uuid, firm_id uuid, scopes text[], expires_at timestamptz, revoked_at timestamptz, last_used_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  select k.id, k.firm_id, k.scopes, k.expires_at, k.revoked_at, k.last_used_at
  from tenancy.api_keys k
  where k.token_hash = p_token_hash
  limit 1
$$;--> statement-breakpoint
CREATE FUNCTION "tenancy"."break_glass_grant_firm"(p_grant_id uuid)
RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  select g.firm_id from tenancy.break_glass_grants g where g.id = p_grant_id limit 1
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "tenancy"."api_key_by_hash"(text), "tenancy"."break_glass_grant_firm"(uuid) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "tenancy"."api_key_by_hash"(text), "tenancy"."break_glass_grant_firm"(uuid) TO firmgraph_app;
