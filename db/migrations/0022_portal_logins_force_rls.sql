-- Wall 3 (design brief §3): the portal log-in directory carries firm_id, so RLS applies to its owner too.
ALTER TABLE "tenancy"."portal_logins" FORCE ROW LEVEL SECURITY;
