-- The names of a firm's staff, for invoice lines billed per staff member and service: billing
-- prints them without reading tenancy's tables. At most 1000 ids; members of the current firm only.
CREATE FUNCTION "tenancy"."member_names_for_billing"(user_ids uuid[])
RETURNS TABLE (user_id uuid, name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT u.id, u.name FROM tenancy.memberships m
  JOIN tenancy.users u ON u.id = m.user_id
  WHERE m.firm_id = nullif(current_setting('app.firm_id', true), '')::uuid
    AND m.user_id = ANY (member_names_for_billing.user_ids[1:1000])
$$;--> statement-breakpoint
COMMENT ON FUNCTION "tenancy"."member_names_for_billing"(uuid[]) IS
  'Names of the current firm''s (app.firm_id) members among the given users: billing prints them on per-staff invoice lines.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "tenancy"."member_names_for_billing"(uuid[]) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "tenancy"."member_names_for_billing"(uuid[]) TO firmgraph_billing;
--> statement-breakpoint
-- Billing makes UUIDv7 ids in SQL where it writes rows set-wise (subgraphs/billing/invoices/invoice-import.ts).
GRANT EXECUTE ON FUNCTION "billing"."uuid_v7"() TO firmgraph_billing;
