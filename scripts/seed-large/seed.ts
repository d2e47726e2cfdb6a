import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type postgres from 'postgres';
import { postgresClient } from '../../db/client.ts';
import { hashPassword } from '../../subgraphs/tenancy/identity/passwords.ts';
import { LARGE_SEED_PASSWORD, LARGE_SEED_SLUG_PREFIX, planFirms, type FirmFixture } from './plan.ts';
import type { CopyValue, SeedContext, SeedTable } from './table.ts';
import { SEED_TABLES } from './tables.ts';

/** What one `seedLargeDataset` call wrote. */
export interface LargeSeedResult {
  scale: number;
  firms: number;
  /** Rows written per schema-qualified table. */
  rows: Record<string, number>;
  /** Milliseconds per table (COPY), and for the ANALYZE at the end. */
  timingsMs: Record<string, number>;
  totalMs: number;
}

/** Thrown when the target database cannot take the seed (already seeded, not privileged enough). */
export class LargeSeedError extends Error {
  override name = 'LargeSeedError';
}

/** Characters COPY's text format escapes. */
const COPY_SPECIAL = /[\\\t\n\r]/;
const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));
/** `YYYY-MM-DDT` of each day met so far (days since 1970). */
const dayPrefixes = new Map<number, string>();

/**
 * `date` as `toISOString()` writes it (UTC, milliseconds). A million timestamps go into the
 * dataset, and `toISOString` took most of the time spent formatting them: the date part comes
 * from a per-day cache and the time of day from digit tables.
 */
function timestampText(date: Date): string {
  const ms = date.getTime();
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = date.toISOString().slice(0, 11);
    dayPrefixes.set(day, prefix);
  }
  const inDay = ms - day * DAY_MS;
  const seconds = Math.floor(inDay / 1000);
  return `${prefix}${TWO_DIGITS[Math.floor(seconds / 3600)]}:${TWO_DIGITS[Math.floor(seconds / 60) % 60]}:${TWO_DIGITS[seconds % 60]}.${THREE_DIGITS[inDay % 1000]}Z`;
}

/** One field in PostgreSQL's COPY text format: `\N` for NULL, backslash escapes for the rest. */
function copyField(value: CopyValue): string {
  if (typeof value === 'string') {
    // Most fields (ids, names) have nothing to escape: test before building a new string.
    if (!COPY_SPECIAL.test(value)) return value;
    return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
  }
  if (value === null) return '\\N';
  if (value instanceof Date) return timestampText(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return String(value);
}

/** A table's rows for every firm as COPY text, in chunks of about 256 KiB; counts rows into `counter`. */
function* copyText(
  table: SeedTable,
  firms: FirmFixture[],
  context: SeedContext,
  counter: { rows: number },
): Generator<string> {
  let chunk = '';
  for (const firm of firms) {
    for (const row of table.rows(firm, context)) {
      if (row.length !== table.columns.length)
        throw new Error(`${table.table}: a row has ${row.length} values for ${table.columns.length} columns`);
      let line = copyField(row[0]!);
      for (let i = 1; i < row.length; i += 1) line += `\t${copyField(row[i]!)}`;
      chunk += `${line}\n`;
      counter.rows += 1;
      if (chunk.length >= 262_144) {
        yield chunk;
        chunk = '';
      }
    }
  }
  if (chunk) yield chunk;
}

/**
 * Drops the foreign keys and the secondary indexes (those backing no constraint) of `tables`, for
 * COPY to load without checking and maintaining them row by row; primary keys and unique
 * constraints stay, so duplicates still fail at once. PostgreSQL's advice for bulk loads
 * ("Populating a Database": remove indexes and foreign keys, re-create them after): one sort per
 * index and one join per foreign key are several times faster than a check per row.
 * @returns the statements that re-create them exactly (catalog definitions), indexes first; run
 *   them in the same transaction, so every foreign key is validated against the loaded rows.
 */
async function dropForeignKeysAndIndexes(tx: postgres.TransactionSql, tables: readonly SeedTable[]): Promise<string[]> {
  const names = tables.map((table) => table.table);
  const foreignKeys = await tx<{ create: string; drop: string }[]>`
    select format('alter table %s add constraint %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) as create,
           format('alter table %s drop constraint %I', conrelid::regclass, conname) as drop
    from pg_constraint
    where contype = 'f' and conrelid = any(${names}::text[]::regclass[])
    order by conrelid::regclass::text, conname`;
  const indexes = await tx<{ create: string; drop: string }[]>`
    select pg_get_indexdef(i.indexrelid) as create, format('drop index %s', i.indexrelid::regclass) as drop
    from pg_index i
    where i.indrelid = any(${names}::text[]::regclass[])
      and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
    order by i.indexrelid::regclass::text`;
  for (const { drop } of [...foreignKeys, ...indexes]) await tx.unsafe(drop);
  return [...indexes, ...foreignKeys].map((row) => row.create);
}

/**
 * Seeds the large benchmark dataset (docs/benchmarks.md): 50 firms of Zipf-distributed size whose largest
 * holds, at scale 1, 5,000 clients with 15,000 contacts, 40 staff, 20,000 invoices, 50,000
 * document records and 100,000 messages over three years, with a few heavy clients and many light
 * ones; the heaviest fifth of each firm's clients have portal users (password
 * `LARGE_SEED_PASSWORD`). Every table in `SEED_TABLES` is filled with one `COPY … FROM STDIN`
 * inside a single transaction, so a failure leaves nothing behind; their foreign keys and
 * secondary indexes are dropped for the load and re-created (and validated) before it commits,
 * which locks those tables meanwhile; the time rollups' triggers are off for the load and the
 * rollups rebuilt from the entries before it commits (`billing.rebuild_time_rollups`). Then the
 * tables are vacuumed and analysed so plans and index-only scans are realistic.
 *
 * COPY FROM is refused on tables whose row-level security applies to the caller (PostgreSQL docs,
 * COPY), so `adminUrl` must be a superuser, or a BYPASSRLS role that may act as the tables' owner
 * (to drop and re-create indexes), on a migrated database.
 *
 * @param scale > 0: multiplies every count (0.1 is a tenth of the data).
 * @throws LargeSeedError when the role cannot bypass RLS or own the tables, or the database
 *   already holds seeded firms.
 */
export async function seedLargeDataset(
  adminUrl: string,
  options: { scale: number; log?: (line: string) => void },
): Promise<LargeSeedResult> {
  const { scale } = options;
  const log = options.log ?? (() => {});
  if (!(scale > 0 && scale <= 10)) throw new LargeSeedError(`--scale must be a number in (0, 10], got ${scale}`);
  const started = performance.now();
  const sql = postgresClient(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [role] = await sql<
      { bypass: boolean }[]
    >`select rolsuper or rolbypassrls as bypass from pg_roles where rolname = current_user`;
    if (!role?.bypass)
      throw new LargeSeedError(
        'the seed connection must be a superuser or BYPASSRLS role (COPY FROM cannot run under row-level security)',
      );
    const [owner] = await sql<{ owns: boolean }[]>`
      select bool_and(pg_has_role(current_user, relowner, 'USAGE')) as owns from pg_class
      where oid = any(${SEED_TABLES.map((table) => table.table)}::text[]::regclass[])`;
    if (!owner?.owns)
      throw new LargeSeedError(
        "the seed connection must be able to act as the tables' owner (it re-creates their indexes after COPY)",
      );
    const [existing] = await sql<
      { n: number }[]
    >`select count(*)::int as n from tenancy.firms where slug like ${`${LARGE_SEED_SLUG_PREFIX}%`}`;
    if ((existing?.n ?? 0) > 0)
      throw new LargeSeedError(`the database already holds ${existing!.n} seeded firms; seed a fresh database`);

    const now = new Date();
    const firms = planFirms(scale, now);
    const context: SeedContext = { now, passwordHash: await hashPassword(LARGE_SEED_PASSWORD) };
    const rows: Record<string, number> = {};
    const timingsMs: Record<string, number> = {};
    await sql.begin(async (tx) => {
      const deferred = await dropForeignKeysAndIndexes(tx, SEED_TABLES);
      // The time rollups' triggers (migration 0015) would fold 400,000 entries into one array;
      // set-based sums after the load do the same in a fraction of the time.
      await tx`alter table billing.time_entries disable trigger user`;
      for (const table of SEED_TABLES) {
        const tableStarted = performance.now();
        const counter = { rows: 0 };
        const target = await tx.unsafe(`copy ${table.table} (${table.columns.join(', ')}) from stdin`).writable();
        await pipeline(Readable.from(copyText(table, firms, context, counter)), target);
        rows[table.table] = counter.rows;
        timingsMs[table.table] = Math.round(performance.now() - tableStarted);
        log(
          `  ${table.table}: ${counter.rows.toLocaleString('en')} rows in ${(timingsMs[table.table]! / 1000).toFixed(1)} s`,
        );
      }
      const rebuildStarted = performance.now();
      await tx`select billing.rebuild_time_rollups()`;
      await tx`alter table billing.time_entries enable trigger user`;
      for (const statement of deferred) await tx.unsafe(statement);
      timingsMs.indexesAndForeignKeys = Math.round(performance.now() - rebuildStarted);
      log(
        `  time rollups, indexes and foreign keys: ${deferred.length} rebuilt in ${(timingsMs.indexesAndForeignKeys / 1000).toFixed(1)} s`,
      );
    });
    const analyzeStarted = performance.now();
    const rollups = ['billing.user_day_totals', 'billing.wip_user_days', 'billing.wip_firm_days'];
    await sql.unsafe(`vacuum (analyze) ${[...SEED_TABLES.map((table) => table.table), ...rollups].join(', ')}`);
    timingsMs.vacuumAnalyze = Math.round(performance.now() - analyzeStarted);
    log(`  vacuum (analyze): ${(timingsMs.vacuumAnalyze / 1000).toFixed(1)} s`);
    return { scale, firms: firms.length, rows, timingsMs, totalMs: Math.round(performance.now() - started) };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
