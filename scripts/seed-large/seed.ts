import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
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

/** One field in PostgreSQL's COPY text format: `\N` for NULL, backslash escapes for the rest. */
function copyField(value: CopyValue): string {
  if (value === null) return '\\N';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value !== 'string') return String(value);
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** A table's rows for every firm as COPY text, in chunks of about 256 KiB; counts rows into `counter`. */
function* copyText(table: SeedTable, firms: FirmFixture[], context: SeedContext, counter: { rows: number }): Generator<string> {
  let chunk = '';
  for (const firm of firms) {
    for (const row of table.rows(firm, context)) {
      if (row.length !== table.columns.length) throw new Error(`${table.table}: a row has ${row.length} values for ${table.columns.length} columns`);
      chunk += `${row.map(copyField).join('\t')}\n`;
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
 * Seeds the large benchmark dataset (issue #5): 50 firms of Zipf-distributed size whose largest
 * holds, at scale 1, 5,000 clients, 40 staff, 20,000 invoices and 50,000 document records over
 * three years, with a few heavy clients and many light ones. Every table in `SEED_TABLES` is
 * filled with one `COPY … FROM STDIN` inside a single transaction, so a failure leaves nothing
 * behind; then the tables are vacuumed and analysed so plans and index-only scans are realistic.
 *
 * COPY FROM is refused on tables whose row-level security applies to the caller (PostgreSQL docs,
 * COPY), so `adminUrl` must be a superuser or a BYPASSRLS role, on a migrated database.
 *
 * @param scale > 0: multiplies every count (0.1 is a tenth of the data).
 * @throws LargeSeedError when the role cannot bypass RLS or the database already holds seeded firms.
 */
export async function seedLargeDataset(adminUrl: string, options: { scale: number; log?: (line: string) => void }): Promise<LargeSeedResult> {
  const { scale } = options;
  const log = options.log ?? (() => {});
  if (!(scale > 0 && scale <= 10)) throw new LargeSeedError(`--scale must be a number in (0, 10], got ${scale}`);
  const started = performance.now();
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [role] = await sql<{ bypass: boolean }[]>`select rolsuper or rolbypassrls as bypass from pg_roles where rolname = current_user`;
    if (!role?.bypass) throw new LargeSeedError('the seed connection must be a superuser or BYPASSRLS role (COPY FROM cannot run under row-level security)');
    const [existing] = await sql<{ n: number }[]>`select count(*)::int as n from tenancy.firms where slug like ${`${LARGE_SEED_SLUG_PREFIX}%`}`;
    if ((existing?.n ?? 0) > 0) throw new LargeSeedError(`the database already holds ${existing!.n} seeded firms; seed a fresh database`);

    const now = new Date();
    const firms = planFirms(scale, now);
    const context: SeedContext = { now, passwordHash: await hashPassword(LARGE_SEED_PASSWORD) };
    const rows: Record<string, number> = {};
    const timingsMs: Record<string, number> = {};
    await sql.begin(async (tx) => {
      for (const table of SEED_TABLES) {
        const tableStarted = performance.now();
        const counter = { rows: 0 };
        const target = await tx.unsafe(`copy ${table.table} (${table.columns.join(', ')}) from stdin`).writable();
        await pipeline(Readable.from(copyText(table, firms, context, counter)), target);
        rows[table.table] = counter.rows;
        timingsMs[table.table] = Math.round(performance.now() - tableStarted);
        log(`  ${table.table}: ${counter.rows.toLocaleString('en')} rows in ${(timingsMs[table.table]! / 1000).toFixed(1)} s`);
      }
    });
    const analyzeStarted = performance.now();
    await sql.unsafe(`vacuum (analyze) ${SEED_TABLES.map((table) => table.table).join(', ')}`);
    timingsMs.vacuumAnalyze = Math.round(performance.now() - analyzeStarted);
    log(`  vacuum (analyze): ${(timingsMs.vacuumAnalyze / 1000).toFixed(1)} s`);
    return { scale, firms: firms.length, rows, timingsMs, totalMs: Math.round(performance.now() - started) };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
