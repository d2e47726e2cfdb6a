-- What a portal session reaches in crm, for tenancy's credential introspection (README
-- "Authentication"): of the clients tenancy granted the portal user, those its contact is still
-- linked to, and every client of a granted organization while the contact is linked to one of its
-- clients. crm owns contacts and organizations, so the rule lives in crm's schema and tenancy calls
-- it instead of reading crm's tables; the gateway reads neither. SECURITY DEFINER so it keeps
-- working when each subgraph connects as its own role; the tables' forced tenant policy still
-- applies to the owner, so only the transaction's firm (app.firm_id) is seen. At most 1000 ids.
CREATE FUNCTION "crm"."portal_reach"(contact_id uuid, client_ids uuid[], organization_id uuid)
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT reach.client_id FROM (
    SELECT cc.client_id FROM crm.client_contacts cc
    WHERE cc.firm_id = nullif(current_setting('app.firm_id', true), '')::uuid
      AND cc.contact_id = portal_reach.contact_id
      AND cc.client_id = ANY (portal_reach.client_ids)
    UNION
    SELECT m.client_id FROM crm.client_organization_members m
    WHERE portal_reach.organization_id IS NOT NULL
      AND m.firm_id = nullif(current_setting('app.firm_id', true), '')::uuid
      AND m.organization_id = portal_reach.organization_id
      AND EXISTS (
        SELECT FROM crm.client_contacts cc
        JOIN crm.client_organization_members om ON om.firm_id = cc.firm_id AND om.client_id = cc.client_id
        WHERE cc.firm_id = m.firm_id AND cc.contact_id = portal_reach.contact_id
          AND om.organization_id = portal_reach.organization_id
      )
  ) reach
  LIMIT 1000
$$;--> statement-breakpoint
COMMENT ON FUNCTION "crm"."portal_reach"(uuid, uuid[], uuid) IS
  'The clients a portal user''s contact reaches in the current firm (app.firm_id), of its grants: tenancy''s introspection composes a portal actor without reading crm''s tables.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "crm"."portal_reach"(uuid, uuid[], uuid) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "crm"."portal_reach"(uuid, uuid[], uuid) TO firmgraph_app;
