import type postgres from 'postgres';
import { asFirm } from '../admin-db.ts';
import { SUBGRAPH_SCHEMAS, tenantTables } from './catalog.ts';

/** What the probe must never reveal or change: one firm's rows. */
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

/** A table's rows to read: `where` selects the firm's rows, with `$1` the firm id. */
interface RowSource {
  table: string;
  where: string;
  /** The GraphQL type the rows are, by the table's name: `crm.clients` → `Client`. */
  typeName: string;
}

/** `billing.invoices` → `Invoice`, `tenancy.break_glass_grants` → `BreakGlassGrant`, `tenancy.audit_log` → `AuditLog`. */
function typeNameOfTable(table: string): string {
  const bare = table.slice(table.indexOf('.') + 1).replaceAll('"', '');
  const singular = bare.endsWith('ies') ? `${bare.slice(0, -3)}y` : bare.endsWith('sses') ? bare.slice(0, -2) : bare.replace(/s$/, '');
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
  const sources: RowSource[] = tables.map((t) => ({ table: t.name, where: 'firm_id = $1', typeName: typeNameOfTable(t.name) }));
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
    byTarget.set(r.target, [...(byTarget.get(r.target) ?? []), `${r.targetColumn} in (select ${r.column} from ${r.source} where firm_id = $1)`]);
  }
  for (const [table, conditions] of byTarget) sources.push({ table, where: conditions.join(' or '), typeName: typeNameOfTable(table) });
  return sources;
}

/** The rows of `source` that belong to `firmId`, as JSON objects and as one md5 over their text. */
async function readRows(admin: postgres.Sql, firmId: string, source: RowSource) {
  return asFirm(admin, firmId, async (tx) => {
    const [row] = await tx.unsafe<{ rows: Record<string, unknown>[] | null; hash: string }[]>(
      `select json_agg(t order by t::text) as rows, md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as hash
       from ${source.table} t where ${source.where}`,
      [firmId],
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

/**
 * Reads one firm's rows from the database (as the owner connection; `asFirm` sets the tenant)
 * and makes it a probe target. Its values are the distinctive strings of those rows: at least
 * six characters long and absent from `other` firms' rows (so shared values like a fixed file
 * name or a timestamp format cannot be mistaken for a leak).
 * @param others firms whose own strings are not evidence of a leak (the probing firms).
 */
export async function firmTarget(admin: postgres.Sql, name: string, firmId: string, others: string[]): Promise<ProbeTarget> {
  const sources = await rowSources(admin);
  const idsByType = new Map<string, string[]>();
  const values = new Set<string>();
  for (const source of sources) {
    const { rows } = await readRows(admin, firmId, source);
    for (const row of rows) {
      if (typeof row.id === 'string') idsByType.set(source.typeName, [...(idsByType.get(source.typeName) ?? []), row.id]);
      strings(row, values);
    }
  }
  for (const other of others) {
    for (const source of sources) for (const value of strings((await readRows(admin, other, source)).rows, new Set())) values.delete(value);
  }
  for (const value of values) if (value.length < MIN_VALUE_LENGTH) values.delete(value);
  return {
    name,
    idsByType,
    values,
    snapshot: async () => new Map(await Promise.all(sources.map(async (s) => [s.table, (await readRows(admin, firmId, s)).hash] as const))),
  };
}
