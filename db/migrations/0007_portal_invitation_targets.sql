-- What tenancy's invitePortalUser needs to know of crm before it grants anything: whether the
-- contact, each client and the organization exist in the transaction's firm. Tenancy never reads
-- crm's tables; it calls this function, which crm's schema owns. SECURITY DEFINER so it keeps
-- working when each subgraph connects as its own role; the tables' forced tenant policy still
-- applies to the owner, so another firm's ids are simply absent (answered as random ids are).
CREATE FUNCTION "crm"."portal_invitation_targets"(contact_id uuid, client_ids uuid[], organization_id uuid)
RETURNS TABLE (contact_exists boolean, missing_client_ids uuid[], organization_exists boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT
    EXISTS (
      SELECT FROM crm.contacts c
      WHERE c.firm_id = nullif(current_setting('app.firm_id', true), '')::uuid
        AND c.id = portal_invitation_targets.contact_id
    ),
    coalesce((
      SELECT array_agg(wanted.id ORDER BY wanted.position)
      FROM unnest(portal_invitation_targets.client_ids) WITH ORDINALITY AS wanted(id, position)
      WHERE NOT EXISTS (
        SELECT FROM crm.clients k
        WHERE k.firm_id = nullif(current_setting('app.firm_id', true), '')::uuid AND k.id = wanted.id
      )
    ), '{}'::uuid[]),
    portal_invitation_targets.organization_id IS NULL OR EXISTS (
      SELECT FROM crm.client_organizations o
      WHERE o.firm_id = nullif(current_setting('app.firm_id', true), '')::uuid
        AND o.id = portal_invitation_targets.organization_id
    )
$$;--> statement-breakpoint
COMMENT ON FUNCTION "crm"."portal_invitation_targets"(uuid, uuid[], uuid) IS
  'Which of a portal invitation''s contact, clients and organization exist in the current firm (app.firm_id): tenancy''s invitePortalUser checks them without reading crm''s tables.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "crm"."portal_invitation_targets"(uuid, uuid[], uuid) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "crm"."portal_invitation_targets"(uuid, uuid[], uuid) TO firmgraph_app;
