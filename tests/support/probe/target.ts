import type postgres from 'postgres';
import { asFirm } from '../admin-db.ts';
import { SUBGRAPH_SCHEMAS, tenantTables } from './catalog.ts';

/** What the probe must never reveal or change: one firm's rows, or one client's rows within its firm. */
export interface ProbeTarget {
  /** A label for findings, e.g. `firm A`. */
  name: string;
  /** The target's ids by GraphQL entity type, for arguments (`Client` → its client ids). */
  idsByType: Map<string, string[]>;
  /** Every distinctive string of the target's rows: ids, names, emails, numbers, hashes. */
  values: Set<string>;
  /** Hashes the target's rows, one md5 per table; equal snapshots mean byte-identical rows. */
  snapshot(): Promise<Map<string, string>>;
}

/** Strings shorter than this (currency codes, short enum text) are too common to prove a leak. */
const MIN_VALUE_LENGTH = 6;

/** A table's rows to read: `where` selects the target's rows, with `$1` the firm id (and `$2` the client id for a client's rows). */
interface RowSource {
  table: string;
  where: string;
  /** The GraphQL type the rows are, by the table's name: `crm.clients` → `Client`. */
  typeName: string;
  /** A platform-wide table (no `firm_id`): rows the firm shares with the platform, such as the firm itself and its staff users. */
  platformWide: boolean;
}

/** `billing.invoices` → `Invoice`, `tenancy.break_glass_grants` → `BreakGlassGrant`, `tenancy.audit_log` → `AuditLog`. */
function typeNameOfTable(table: string): string {
  const bare = table.slice(table.indexOf('.') + 1).replaceAll('"', '');
  const singular = bare.endsWith('ies')
    ? `${bare.slice(0, -3)}y`
    : bare.endsWith('sses')
      ? bare.slice(0, -2)
      : bare.replace(/s$/, '');
  return singular.replace(/(^|_)([a-z])/g, (_m, _sep, letter: string) => letter.toUpperCase());
}

/**
 * The tables that hold a firm's rows: every tenant table of the subgraph schemas (rows with its
 * firm_id), and every platform-wide table a tenant table references by foreign key (rows
 * referenced by the firm's rows: the firm itself, its members' users, …). Read from the catalog,
 * so a new table is included without a change here.
 */
async function rowSources(admin: postgres.Sql): Promise<RowSource[]> {
  const tables = await tenantTables(admin, SUBGRAPH_SCHEMAS);
  const sources: RowSource[] = tables.map((t) => ({
    table: t.name,
    where: 'firm_id = $1',
    typeName: typeNameOfTable(t.name),
    platformWide: false,
  }));
  const references = await admin<{ source: string; column: string; target: string; targetColumn: string }[]>`
    select con.conrelid::regclass::text as source, sa.attname::text as column,
           con.confrelid::regclass::text as target, ta.attname::text as "targetColumn"
    from pg_constraint con
    join pg_attribute sa on sa.attrelid = con.conrelid and sa.attnum = con.conkey[1]
    join pg_attribute ta on ta.attrelid = con.confrelid and ta.attnum = con.confkey[1]
    where con.contype = 'f' and cardinality(con.conkey) = 1 and con.conrelid = any(${tables.map((t) => t.oid)}::oid[])
      and not exists (select 1 from pg_attribute a where a.attrelid = con.confrelid and a.attname = 'firm_id' and not a.attisdropped)`;
  const byTarget = new Map<string, string[]>();
  for (const r of references) {
    byTarget.set(r.target, [
      ...(byTarget.get(r.target) ?? []),
      `${r.targetColumn} in (select ${r.column} from ${r.source} where firm_id = $1)`,
    ]);
  }
  for (const [table, conditions] of byTarget)
    sources.push({ table, where: conditions.join(' or '), typeName: typeNameOfTable(table), platformWide: true });
  return sources;
}

/**
 * The tables that hold one client's rows, with `$1` the firm id and `$2` the client id: the
 * client row itself (in the table the `client_id` foreign keys reference), the rows of every
 * tenant table with a `client_id` column, and the rows that reference those through a foreign key
 * that includes `firm_id` (a thread's messages), level by level until no table is added. Read
 * from the catalog, so a new table is included without a change here.
 */
async function clientRowSources(admin: postgres.Sql): Promise<RowSource[]> {
  const oids = (await tenantTables(admin, SUBGRAPH_SCHEMAS)).map((t) => t.oid);
  const keys = await admin<{ child: string; parent: string; columns: string[]; parentColumns: string[] }[]>`
    select con.conrelid::regclass::text as child, con.confrelid::regclass::text as parent,
           array(select a.attname::text from unnest(con.conkey) with ordinality k(attnum, i)
                 join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum order by k.i) as columns,
           array(select a.attname::text from unnest(con.confkey) with ordinality k(attnum, i)
                 join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.attnum order by k.i) as "parentColumns"
    from pg_constraint con
    where con.contype = 'f' and con.conrelid = any(${oids}::oid[]) and con.confrelid = any(${oids}::oid[])`;
  const withClientId = await admin<{ table: string }[]>`
    select attrelid::regclass::text as table from pg_attribute
    where attrelid = any(${oids}::oid[]) and attname = 'client_id' and not attisdropped`;
  const where = new Map<string, string>();
  for (const key of keys.filter((k) => k.columns.includes('client_id'))) {
    where.set(key.parent, `firm_id = $1 and ${key.parentColumns[key.columns.indexOf('client_id')]} = $2`);
  }
  if (where.size === 0) throw new Error('no foreign key references the clients table by client_id');
  for (const { table } of withClientId) where.set(table, 'firm_id = $1 and client_id = $2');
  const byFirm = keys.filter(
    (k) => k.columns.includes('firm_id') && k.parentColumns[k.columns.indexOf('firm_id')] === 'firm_id',
  );
  for (let added = true; added;) {
    const next = new Map<string, string[]>();
    for (const key of byFirm) {
      if (where.has(key.child) || !where.has(key.parent)) continue;
      const condition = `(${key.columns.join(', ')}) in (select ${key.parentColumns.join(', ')} from ${key.parent} where ${where.get(key.parent)})`;
      next.set(key.child, [...(next.get(key.child) ?? []), condition]);
    }
    for (const [table, conditions] of next) where.set(table, conditions.join(' or '));
    added = next.size > 0;
  }
  return [...where].map(([table, condition]) => ({
    table,
    where: condition,
    typeName: typeNameOfTable(table),
    platformWide: false,
  }));
}

/**
 * The rows of `source` that `parameters` select (`[firmId]`, or `[firmId, clientId]`), read in
 * their firm, as JSON objects and as one md5 over their text.
 */
async function readRows(admin: postgres.Sql, source: RowSource, parameters: string[]) {
  return asFirm(admin, parameters[0]!, async (tx) => {
    const [row] = await tx.unsafe<{ rows: Record<string, unknown>[] | null; hash: string }[]>(
      `select json_agg(t order by t::text) as rows, md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as hash
       from ${source.table} t where ${source.where}`,
      parameters,
    );
    return { rows: row!.rows ?? [], hash: row!.hash };
  });
}

/** Every string leaf of a JSON value. */
function strings(value: unknown, into: Set<string>): Set<string> {
  if (typeof value === 'string') into.add(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, into);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) strings(item, into);
  return into;
}

/** The rows of `sources` that `parameters` select: their ids by type (rows with an `id`), and every string in them. */
async function readTarget(admin: postgres.Sql, sources: RowSource[], parameters: string[]) {
  const idsByType = new Map<string, string[]>();
  const values = new Set<string>();
  for (const source of sources) {
    const { rows } = await readRows(admin, source, parameters);
    for (const row of rows) {
      if (typeof row.id === 'string')
        idsByType.set(source.typeName, [...(idsByType.get(source.typeName) ?? []), row.id]);
      strings(row, values);
    }
  }
  return { idsByType, values };
}

/** A probe target over `sources` read with `parameters`; `values` are kept when at least `MIN_VALUE_LENGTH` long. */
function probeTarget(
  admin: postgres.Sql,
  name: string,
  idsByType: Map<string, string[]>,
  values: Set<string>,
  sources: RowSource[],
  parameters: string[],
): ProbeTarget {
  for (const value of values) if (value.length < MIN_VALUE_LENGTH) values.delete(value);
  return {
    name,
    idsByType,
    values,
    snapshot: async () =>
      new Map(
        await Promise.all(sources.map(async (s) => [s.table, (await readRows(admin, s, parameters)).hash] as const)),
      ),
  };
}

/**
 * Reads one firm's rows from the database (as the owner connection; `asFirm` sets the tenant)
 * and makes it a probe target. Its values are the distinctive strings of those rows: at least
 * six characters long and absent from `other` firms' rows (so shared values like a fixed file
 * name or a timestamp format cannot be mistaken for a leak).
 * @param others firms whose own strings are not evidence of a leak (the probing firms).
 */
export async function firmTarget(
  admin: postgres.Sql,
  name: string,
  firmId: string,
  others: string[],
): Promise<ProbeTarget> {
  const sources = await rowSources(admin);
  const { idsByType, values } = await readTarget(admin, sources, [firmId]);
  for (const other of others)
    for (const value of (await readTarget(admin, sources, [other])).values) values.delete(value);
  return probeTarget(admin, name, idsByType, values, sources, [firmId]);
}

/**
 * One client's rows within its firm as a probe target (`clientRowSources`), for an actor of the
 * same firm limited to other clients: a portal user. Its values are the strings of the client's
 * rows that are distinctive of the firm (`firm.values`: absent from other firms' rows) and absent
 * from the rows of `otherClientIds` and from the firm's platform-wide rows (its name, its staff
 * users), which that actor may see. Arguments of entity types the client has no row of (the firm,
 * staff, audit entries) take `firm`'s ids, the client's own first where a type mixes both (a
 * `Thread` found by `addIdsSeenBy`): the actor may name them, and only ids among the target's
 * values are compared with random ones.
 * @param firm the firm's own target (`firmTarget`, with `addIdsSeenBy`).
 */
export async function clientTarget(
  admin: postgres.Sql,
  name: string,
  firm: ProbeTarget,
  firmId: string,
  clientId: string,
  otherClientIds: string[],
): Promise<ProbeTarget> {
  const sources = await clientRowSources(admin);
  const { idsByType, values } = await readTarget(admin, sources, [firmId, clientId]);
  for (const value of values) if (!firm.values.has(value)) values.delete(value);
  const platformWide = (await rowSources(admin)).filter((source) => source.platformWide);
  const seen = [
    await readTarget(admin, platformWide, [firmId]),
    ...(await Promise.all(otherClientIds.map((other) => readTarget(admin, sources, [firmId, other])))),
  ];
  for (const { values: visible } of seen) for (const value of visible) values.delete(value);
  for (const [type, ids] of firm.idsByType) {
    if (!idsByType.has(type))
      idsByType.set(
        type,
        [...ids].sort((x, y) => Number(values.has(y)) - Number(values.has(x))),
      );
  }
  return probeTarget(admin, name, idsByType, values, sources, [firmId, clientId]);
}
