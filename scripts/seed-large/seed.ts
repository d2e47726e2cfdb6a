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

/** `alter table … {state} trigger …` for the triggers the load turns off (see `seedLargeDataset`). */
const TRIGGERS_OFF_DURING_LOAD = [
  'alter table billing.time_entries {state} trigger user',
  'alter table tenancy.firms {state} trigger firms_open_books',
  'alter table billing.invoices {state} trigger user',
  'alter table billing.invoice_lines {state} trigger user',
  'alter table billing.journal_entries {state} trigger user',
  'alter table billing.journal_lines {state} trigger user',
];

/**
 * The accounting rules of migration 0017 that triggers hold row by row, checked set-based over
 * every firm: each journal entry has at least two lines, all on its accounting date, and balances
 * per currency; each issued invoice's amount due is its receivable in the journal (debits − credits
 * of its ACCOUNTS_RECEIVABLE lines); each firm has its system accounts and its period-lock row.
 * The rules CHECK constraints hold (parties printed, amounts in range) COPY enforced already.
 * @returns one line per kind of breach, with a count and an example; empty when the books hold.
 */
export async function booksFindings(sql: postgres.Sql | postgres.TransactionSql): Promise<string[]> {
  const [row] = await sql<{ finding: string | null }[]>`
    with entry_lines as (
      select e.firm_id, e.id, count(l.line_no) as lines,
        bool_and(l.accounting_date = e.accounting_date) as dated
      from billing.journal_entries e left join billing.journal_lines l on l.firm_id = e.firm_id and l.entry_id = e.id
      group by e.firm_id, e.id
    ), unbalanced as (
      select firm_id, entry_id from billing.journal_lines group by firm_id, entry_id, currency
      having sum(debit_minor) <> sum(credit_minor)
    ), receivables as (
      select l.firm_id, l.invoice_id, sum(l.debit_minor - l.credit_minor) as receivable
      from billing.journal_lines l
      join billing.accounts a on a.firm_id = l.firm_id and a.id = l.account_id and a.system_account = 'ACCOUNTS_RECEIVABLE'
      where l.invoice_id is not null group by l.firm_id, l.invoice_id
    ), mismatched as (
      select i.firm_id, i.number from billing.invoices i
      left join receivables r on r.firm_id = i.firm_id and r.invoice_id = i.id
      where i.status <> 'DRAFT' and i.amount_due_minor <> coalesce(r.receivable, 0)
    ), unopened as (
      select f.id from tenancy.firms f
      where (select count(*) from billing.accounts a where a.firm_id = f.id and a.system_account is not null) < 9
         or not exists (select 1 from billing.period_locks p where p.firm_id = f.id)
    )
    select concat_ws('; ',
      (select 'entries with fewer than two lines or lines off their date: ' || count(*) || ', e.g. ' || min(id::text)
         from entry_lines where lines < 2 or not dated having count(*) > 0),
      (select 'unbalanced entries: ' || count(*) || ', e.g. ' || min(entry_id::text) from unbalanced having count(*) > 0),
      (select 'invoices whose amount due is not their receivable: ' || count(*) || ', e.g. ' || min(number)
         from mismatched having count(*) > 0),
      (select 'firms without their books opened: ' || count(*) from unopened having count(*) > 0)
    ) as finding`;
  return row?.finding ? row.finding.split('; ') : [];
}

/**
 * Seeds the large benchmark dataset (docs/benchmarks.md): 50 firms of Zipf-distributed size whose largest
 * holds, at scale 1, 5,000 clients with 15,000 contacts, 40 staff, 20,000 invoices, 50,000
 * document records and 100,000 messages over three years, with a few heavy clients and many light
 * ones; the heaviest fifth of each firm's clients have portal users (password
 * `LARGE_SEED_PASSWORD`). Every table in `SEED_TABLES` is filled with one `COPY … FROM STDIN`
 * inside a single transaction, so a failure leaves nothing behind; their foreign keys and
 * secondary indexes are dropped for the load and re-created (and validated) before it commits,
 * which locks those tables meanwhile; the time and journal rollups' triggers are off for the load
 * and the rollups rebuilt before it commits (`billing.rebuild_time_rollups`,
 * `billing.rebuild_journal_rollups`), each firm's books opened (`billing.open_books`), and the
 * journal's rules checked set-based (`booksFindings`), as the triggers they stand in for would.
 * Invoices come with their lines, credit notes and journal entries (scripts/seed-large/billing.ts).
 * Then the tables are vacuumed and analysed so plans and index-only scans are realistic.
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
    for (const table of SEED_TABLES) await table.prepare?.(firms, context);
    await sql.begin(async (tx) => {
      const deferred = await dropForeignKeysAndIndexes(tx, SEED_TABLES);
      // Triggers that would work row by row, or as the owner under forced RLS without a firm: the
      // time rollups (migration 0015) and the journal rollups (0023), rebuilt set-based after the
      // load; the books a new firm opens (0017), opened per firm after it; and the accounting rules
      // (0017), which seedLargeDataset checks set-based instead (`booksFindings`) before it commits.
      for (const statement of TRIGGERS_OFF_DURING_LOAD) await tx.unsafe(statement.replace('{state}', 'disable'));
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
      await tx`select billing.rebuild_journal_rollups()`;
      for (const statement of TRIGGERS_OFF_DURING_LOAD) await tx.unsafe(statement.replace('{state}', 'enable'));
      for (const statement of deferred) await tx.unsafe(statement);
      // After the unique indexes are back (its ON CONFLICT needs them); as the owner, bound by the
      // forced tenant policies: one firm at a time.
      for (const firm of firms) {
        await tx`select set_config('app.firm_id', ${firm.id}, true)`;
        await tx`select billing.open_books(${firm.id})`;
      }
      await tx`select set_config('app.firm_id', '', true)`;
      const findings = await booksFindings(tx);
      if (findings.length > 0)
        throw new Error(`seed:large wrote books that break the journal's rules: ${findings.join('; ')}`);
      timingsMs.indexesAndForeignKeys = Math.round(performance.now() - rebuildStarted);
      log(
        `  rollups, books, indexes and foreign keys: ${deferred.length} rebuilt in ${(timingsMs.indexesAndForeignKeys / 1000).toFixed(1)} s`,
      );
    });
    const analyzeStarted = performance.now();
    const rollups = [
      'billing.user_day_totals',
      'billing.wip_user_days',
      'billing.wip_firm_days',
      'billing.receivable_items',
      'billing.journal_account_days',
      'billing.journal_account_months',
      'billing.period_locks',
    ];
    await sql.unsafe(`vacuum (analyze) ${[...SEED_TABLES.map((table) => table.table), ...rollups].join(', ')}`);
    timingsMs.vacuumAnalyze = Math.round(performance.now() - analyzeStarted);
    log(`  vacuum (analyze): ${(timingsMs.vacuumAnalyze / 1000).toFixed(1)} s`);
    return { scale, firms: firms.length, rows, timingsMs, totalMs: Math.round(performance.now() - started) };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
