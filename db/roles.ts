/** Owns every FirmGraph schema and table; runs migrations. Cannot log in, no superuser, no BYPASSRLS. */
export const OWNER_ROLE = 'firmgraph_owner';

/** The role every service connects as: owns nothing, no superuser, no BYPASSRLS (README "Architecture"). */
export const APP_ROLE = 'firmgraph_app';

/**
 * The app role's connection string: `adminUrl` with the user replaced by `firmgraph_app` and
 * the password replaced by `appPassword` (or removed, for trust authentication).
 */
export function appDatabaseUrl(adminUrl: string, appPassword: string | undefined): string {
  const url = new URL(adminUrl);
  url.username = APP_ROLE;
  url.password = appPassword ?? '';
  return url.toString();
}
