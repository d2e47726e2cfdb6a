-- The walls of migration 0011's tables (README "Architecture", "Database roles"): every table with
-- firm_id has its tenant policy ENABLEd there and FORCEd here, so the owner, and each SECURITY
-- DEFINER function below, sees the transaction's firm (app.firm_id) only.
ALTER TABLE "crm"."engagements" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "crm"."engagement_team_members" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."firm_time_settings" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."services" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."engagement_arrangements" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."engagement_service_lines" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."rates" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."cost_rates" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."time_entries" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."running_timers" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."staff_capacities" FORCE ROW LEVEL SECURITY;--> statement-breakpoint

-- The firm's staff among the given users, with their role: crm checks an engagement's manager and
-- team, billing a rate card's staff member and resolves the role rate, without reading tenancy's
-- tables. A disabled user is no longer staff. At most 1000 ids.
CREATE FUNCTION "tenancy"."firm_members"(user_ids uuid[])
RETURNS TABLE (user_id uuid, role text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT m.user_id, m.role::text FROM tenancy.memberships m
  JOIN tenancy.users u ON u.id = m.user_id AND u.disabled_at IS NULL
  WHERE m.firm_id = nullif(current_setting('app.firm_id', true), '')::uuid
    AND m.user_id = ANY (firm_members.user_ids[1:1000])
$$;--> statement-breakpoint
COMMENT ON FUNCTION "tenancy"."firm_members"(uuid[]) IS
  'The current firm''s (app.firm_id) enabled staff among the given users, with their roles: crm checks engagement managers and teams, billing rate cards and role rates, without reading tenancy''s tables.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "tenancy"."firm_members"(uuid[]) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "tenancy"."firm_members"(uuid[]) TO firmgraph_crm, firmgraph_billing;--> statement-breakpoint

-- What billing needs of an engagement to record, price and approve time on it: its client, the
-- client's billing currency, its status, its manager, and whether the given user is on its team.
-- At most 1000 ids.
CREATE FUNCTION "crm"."engagements_for_time"(engagement_ids uuid[], user_id uuid)
RETURNS TABLE (engagement_id uuid, client_id uuid, currency text, status text, manager_user_id uuid, on_team boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT e.id, e.client_id, c.currency, e.status::text, e.manager_user_id,
    EXISTS (SELECT FROM crm.engagement_team_members tm
            WHERE tm.firm_id = e.firm_id AND tm.engagement_id = e.id AND tm.user_id = engagements_for_time.user_id)
  FROM crm.engagements e
  JOIN crm.clients c ON c.firm_id = e.firm_id AND c.id = e.client_id
  WHERE e.firm_id = nullif(current_setting('app.firm_id', true), '')::uuid
    AND e.id = ANY (engagements_for_time.engagement_ids[1:1000])
$$;--> statement-breakpoint
COMMENT ON FUNCTION "crm"."engagements_for_time"(uuid[], uuid) IS
  'For engagements of the current firm (app.firm_id): client, currency, status, manager and whether a user is on the team; billing records, prices and approves time without reading crm''s tables.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "crm"."engagements_for_time"(uuid[], uuid) FROM PUBLIC;--> statement-breakpoint
GRANT USAGE ON SCHEMA "crm" TO firmgraph_billing;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "crm"."engagements_for_time"(uuid[], uuid) TO firmgraph_billing;
--> statement-breakpoint

-- The billing currency of each of the given clients of the current firm: billing checks a client
-- named by a rate card exists and prices it in its currency, without reading crm's tables. At most
-- 1000 ids.
CREATE FUNCTION "crm"."client_currencies"(client_ids uuid[])
RETURNS TABLE (client_id uuid, currency text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT c.id, c.currency FROM crm.clients c
  WHERE c.firm_id = nullif(current_setting('app.firm_id', true), '')::uuid
    AND c.id = ANY (client_currencies.client_ids[1:1000])
$$;--> statement-breakpoint
COMMENT ON FUNCTION "crm"."client_currencies"(uuid[]) IS
  'The billing currency of clients of the current firm (app.firm_id): billing checks and prices client rate cards without reading crm''s tables.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "crm"."client_currencies"(uuid[]) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "crm"."client_currencies"(uuid[]) TO firmgraph_billing;
