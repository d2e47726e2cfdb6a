ALTER TABLE "tenancy"."sessions" ADD COLUMN "mfa_verified_at" timestamp (3) with time zone;--> statement-breakpoint
-- The session check also says whether the session was signed in with a second factor, so the
-- signed context can carry it (the hard lock needs it). Same statement, same scope as 0005's.
DROP FUNCTION "tenancy"."live_session"(uuid, uuid);--> statement-breakpoint
CREATE FUNCTION "tenancy"."live_session"(session_id uuid, user_id uuid)
RETURNS TABLE (active_firm_id uuid, role "tenancy"."role", user_disabled boolean, firm_requires_mfa_for_admins boolean, mfa_enabled boolean, mfa_verified boolean)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM set_config('app.firm_id', '', true), set_config('app.user_id', user_id::text, true);
  RETURN QUERY
  SELECT s.active_firm_id, m.role, u.disabled_at IS NOT NULL, coalesce(f.require_mfa_for_admins, false), t.enabled_at IS NOT NULL,
    s.mfa_verified_at IS NOT NULL
  FROM tenancy.sessions s
  JOIN tenancy.users u ON u.id = s.user_id
  LEFT JOIN tenancy.memberships m ON m.firm_id = s.active_firm_id AND m.user_id = s.user_id
  LEFT JOIN tenancy.firms f ON f.id = m.firm_id
  LEFT JOIN tenancy.user_totp t ON t.user_id = s.user_id
  WHERE s.id = live_session.session_id AND s.user_id = live_session.user_id AND s.revoked_at IS NULL AND s.expires_at > now();
END
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "tenancy"."live_session"(uuid, uuid) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "tenancy"."live_session"(uuid, uuid) TO firmgraph_tenancy;
