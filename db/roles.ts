/** Owns every FirmGraph schema and table; runs migrations. Cannot log in, no superuser, no BYPASSRLS. */
export const OWNER_ROLE = 'firmgraph_owner';

/**
 * The role every service connected as before each got its own (migration 0010). Retired: it is
 * still created, NOLOGIN, because the landed migrations 0001–0009 grant to it and a fresh database
 * replays them, but 0010 revokes everything it held and nothing connects as it. No operator script
 * needs it: each connects as the role of the subgraph whose data it touches (`npm run
 * operator:create`, `user:disable`, `audit:prune` as tenancy) or, for the demo seed, which writes
 * every subgraph's tables in one transaction, as the admin connection (README "Architecture").
 */
export const LEGACY_APP_ROLE = 'firmgraph_app';

/** What connects to the database: the four subgraphs and the gateway, each as its own role. */
export const SERVICES = ['tenancy', 'crm', 'billing', 'documents', 'gateway'] as const;

/** One of `SERVICES`: a subgraph (also its schema's name) or the gateway. */
export type Service = (typeof SERVICES)[number];

/**
 * The role each service connects as (README "Architecture", database roles): LOGIN, neither
 * superuser nor BYPASSRLS, owning nothing. A subgraph's role holds privileges on its own schema
 * only, plus EXECUTE on the named SECURITY DEFINER functions it needs of another (and USAGE on
 * that schema, to name them; no table privilege there); the gateway's holds only USAGE on
 * `tenancy` and EXECUTE on the two rate-limit functions (migration 0010).
 */
export const SERVICE_ROLES: Record<Service, string> = {
  tenancy: 'firmgraph_tenancy',
  crm: 'firmgraph_crm',
  billing: 'firmgraph_billing',
  documents: 'firmgraph_documents',
  gateway: 'firmgraph_gateway',
};

/**
 * A connection string for `role`: `adminUrl` (a `postgres://` URL) with the user replaced by
 * `role` and the password by `password`, or removed when `password` is undefined (trust or peer
 * authentication). Host, port, database and query parameters (a socket's `host`) are kept.
 * @throws TypeError when `adminUrl` is not a URL.
 */
export function roleDatabaseUrl(adminUrl: string, role: string, password: string | undefined): string {
  const url = new URL(adminUrl);
  url.username = role;
  url.password = password ?? '';
  return url.toString();
}

/**
 * Every service's connection string, each `roleDatabaseUrl(adminUrl, SERVICE_ROLES[service], password)`.
 * @param password the one password of every service role (the embedded server's development secret), or undefined.
 */
export function serviceDatabaseUrls(adminUrl: string, password: string | undefined): Record<Service, string> {
  return Object.fromEntries(
    SERVICES.map((service) => [service, roleDatabaseUrl(adminUrl, SERVICE_ROLES[service], password)]),
  ) as Record<Service, string>;
}
