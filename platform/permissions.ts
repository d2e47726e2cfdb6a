import { roleEnum, type RoleValue } from '../db/schema/tenancy.ts';

/**
 * The lowest firm role that holds a permission; every role ranked at or above it (`ROLE_RANK`)
 * holds it too.
 */
type LowestRole = RoleValue;

/**
 * The closed permission catalogue (the second of the three walls in README.md, "Architecture"), as
 * `resource:verb`, declared once: the tenancy SDL's `Permission` enum (`permissionEnumSdl`) and the
 * README's role table (`roleTableMarkdown`) are generated from it by `npm run compose`, and
 * `tests/schema-artifacts.test.ts` fails when either is stale. Each entry: the permission, the
 * lowest role holding it, and the description the API shows. Adding a permission is one entry here.
 */
const CATALOGUE = [
  { permission: 'firm:read', lowestRole: 'STAFF', description: "See the firm's profile." },
  { permission: 'firm:update', lowestRole: 'ADMIN', description: "Change the firm's settings." },
  { permission: 'member:read', lowestRole: 'MANAGER', description: "See the firm's members and their roles." },
  { permission: 'member:invite', lowestRole: 'ADMIN', description: 'Invite people to the firm.' },
  { permission: 'client:read', lowestRole: 'STAFF', description: 'See client accounts.' },
  { permission: 'client:write', lowestRole: 'MANAGER', description: 'Create and edit client accounts.' },
  { permission: 'client:archive', lowestRole: 'MANAGER', description: 'Archive client accounts.' },
  { permission: 'invoice:read', lowestRole: 'MANAGER', description: 'See invoices and balances.' },
  { permission: 'document:read', lowestRole: 'STAFF', description: 'See document records.' },
  { permission: 'api_key:read', lowestRole: 'ADMIN', description: "See the firm's API keys (never their secrets)." },
  { permission: 'api_key:write', lowestRole: 'ADMIN', description: 'Create and revoke API keys.' },
  { permission: 'audit:read', lowestRole: 'ADMIN', description: "Read the firm's audit log." },
  { permission: 'contact:read', lowestRole: 'STAFF', description: 'See client contacts.' },
  {
    permission: 'contact:write',
    lowestRole: 'MANAGER',
    description: 'Create and edit client contacts and client organizations.',
  },
  {
    permission: 'portal:invite',
    lowestRole: 'MANAGER',
    description: 'Invite client contacts to the portal and revoke their access.',
  },
  { permission: 'message:read', lowestRole: 'STAFF', description: 'Read client message threads.' },
  { permission: 'message:send', lowestRole: 'STAFF', description: 'Send messages in client threads.' },
  { permission: 'engagement:read', lowestRole: 'STAFF', description: 'See engagements, their teams and managers.' },
  {
    permission: 'engagement:write',
    lowestRole: 'MANAGER',
    description: 'Create and edit engagements, change their status, team and billing arrangement.',
  },
  { permission: 'time:write', lowestRole: 'STAFF', description: 'Record, edit and submit your own time and timers.' },
  {
    permission: 'time:write_any',
    lowestRole: 'MANAGER',
    description: "Record and edit anyone's time, on any engagement of the firm.",
  },
  {
    permission: 'time:read_any',
    lowestRole: 'MANAGER',
    description: "See every member's time entries and the firm's utilization.",
  },
  { permission: 'time:approve', lowestRole: 'MANAGER', description: 'Approve and reject submitted time entries.' },
  {
    permission: 'rate:read',
    lowestRole: 'MANAGER',
    description: 'See rate cards, cost rates and the value of time (WIP).',
  },
  {
    permission: 'rate:write',
    lowestRole: 'ADMIN',
    description: 'Edit the service catalogue, rate cards and cost rates.',
  },
  {
    permission: 'invoice:write',
    lowestRole: 'MANAGER',
    description: "Create and edit draft invoices and clients' billing details.",
  },
  {
    permission: 'invoice:issue',
    lowestRole: 'ADMIN',
    description: 'Issue invoices: number them and post them to the journal.',
  },
  {
    permission: 'invoice:void',
    lowestRole: 'ADMIN',
    description: 'Void issued invoices that nothing has paid or credited.',
  },
  { permission: 'credit_note:issue', lowestRole: 'ADMIN', description: 'Issue credit notes against invoices.' },
  {
    permission: 'ledger:read',
    lowestRole: 'ADMIN',
    description: 'Read the journal, the chart of accounts, the trial balance and the accounting reports.',
  },
  {
    permission: 'ledger:write',
    lowestRole: 'ADMIN',
    description: "Add accounts to the firm's chart of accounts and change the invoicing settings.",
  },
  { permission: 'period:close', lowestRole: 'ADMIN', description: 'Close accounting periods (the period lock).' },
  {
    permission: 'period:reopen',
    lowestRole: 'OWNER',
    description: 'Move the period lock back, with a reason (audited).',
  },
  {
    permission: 'period:hard_lock',
    lowestRole: 'OWNER',
    description: 'Set the hard lock, which nobody can ever move back (needs a session verified with MFA).',
  },
  { permission: 'tax_rate:write', lowestRole: 'ADMIN', description: "Create and retire the firm's tax rates." },
] as const satisfies readonly { permission: `${string}:${string}`; lowestRole: LowestRole; description: string }[];

/** One `resource:verb` of the closed catalogue. A typo does not compile. */
export type Permission = (typeof CATALOGUE)[number]['permission'];

/** Every permission of the catalogue, in catalogue order. */
export const PERMISSIONS: readonly Permission[] = CATALOGUE.map((entry) => entry.permission);

/**
 * Permissions that only read. A platform operator under a live break-glass grant holds exactly
 * these for the grant's firm (break-glass access is read-only: README.md, "API keys and break-glass access").
 */
export const READ_PERMISSIONS: ReadonlySet<Permission> = new Set(PERMISSIONS.filter((p) => p.endsWith(':read')));

/** Role order, highest first; nobody may grant a role above their own. */
export const ROLE_RANK: Readonly<Record<RoleValue, number>> = { OWNER: 4, ADMIN: 3, MANAGER: 2, STAFF: 1 };

const heldBy = (role: RoleValue): ReadonlySet<Permission> =>
  new Set(CATALOGUE.filter((entry) => ROLE_RANK[entry.lowestRole] <= ROLE_RANK[role]).map((entry) => entry.permission));

/**
 * What each firm role may do: the catalogue's permissions whose lowest role ranks at or below it.
 * Deny is the default.
 */
export const ROLE_PERMISSIONS: Readonly<Record<RoleValue, ReadonlySet<Permission>>> = {
  OWNER: heldBy('OWNER'),
  ADMIN: heldBy('ADMIN'),
  MANAGER: heldBy('MANAGER'),
  STAFF: heldBy('STAFF'),
};

/** The GraphQL `Permission` enum value of a permission: `client:read` is `CLIENT_READ`, `api_key:write` `API_KEY_WRITE`. */
export type PermissionEnumValue<P extends Permission = Permission> = P extends `${infer R}:${infer V}`
  ? Uppercase<`${R}_${V}`>
  : never;

/** Maps a permission to its `Permission` enum value (`client:read` to `CLIENT_READ`). */
export function permissionEnumValue<P extends Permission>(permission: P): PermissionEnumValue<P> {
  return permission.replace(':', '_').toUpperCase() as PermissionEnumValue<P>;
}

const PERMISSION_OF_ENUM_VALUE: ReadonlyMap<string, Permission> = new Map(
  PERMISSIONS.map((p) => [permissionEnumValue(p), p]),
);

/**
 * Maps a `Permission` enum value back to its permission (`CLIENT_READ` to `client:read`).
 * @throws Error for a value that names no catalogue permission (GraphQL enum validation makes that
 *   unreachable from a request).
 */
export function permissionOfEnumValue(value: PermissionEnumValue): Permission {
  const permission = PERMISSION_OF_ENUM_VALUE.get(value);
  if (!permission) throw new Error(`${value} is not a Permission enum value`);
  return permission;
}

/**
 * The SDL of the tenancy subgraph's `Permission` enum: one value per catalogue permission, in
 * catalogue order, with its description. `platform/schema-files.ts` adds it to `schema/tenancy.graphql`.
 */
export function permissionEnumSdl(): string {
  const values = CATALOGUE.map(
    (entry) => `  ${JSON.stringify(entry.description)}\n  ${permissionEnumValue(entry.permission)}`,
  );
  return [
    '"""',
    "One permission of FirmGraph's closed catalogue, as API key scopes name them. Each value stands for",
    'a `resource:verb` permission: `CLIENT_READ` is `client:read`, `API_KEY_WRITE` is `api_key:write`.',
    '"""',
    'enum Permission {',
    ...values,
    '}',
  ].join('\n');
}

/**
 * The README's role table (Markdown): one row per permission with its description and a ✓ under
 * each role that holds it. `npm run compose` writes it between the `permissions:start`/`permissions:end`
 * markers of README.md.
 */
export function roleTableMarkdown(): string {
  const roles = [...roleEnum.enumValues].sort((a, b) => ROLE_RANK[b] - ROLE_RANK[a]);
  const rows = CATALOGUE.map((entry) => {
    const marks = roles.map((role) => (ROLE_PERMISSIONS[role].has(entry.permission) ? '✓' : ''));
    return `| \`${entry.permission}\` | ${entry.description} | ${marks.join(' | ')} |`;
  });
  const header = [
    `| permission | what it allows | ${roles.join(' | ')} |`,
    `|---|---|${roles.map(() => '---').join('|')}|`,
  ];
  return [...header, ...rows].join('\n');
}
