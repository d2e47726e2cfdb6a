import type { FirmFixture } from './plan.ts';

/** One COPY field: null is SQL NULL; dates are written as ISO 8601 UTC; bigints as integers. */
export type CopyValue = string | number | bigint | boolean | Date | null;

/** What every table module gets besides the firm. */
export interface SeedContext {
  /** The end of the three years of history. */
  now: Date;
  /** argon2id PHC string of `LARGE_SEED_PASSWORD`, hashed once for every seeded user. */
  passwordHash: string;
}

/**
 * How the large seed fills one table. To seed a new table, write one of these (rows derived from
 * the firm fixture only) and add it to `SEED_TABLES` after the tables it references.
 */
export interface SeedTable {
  /** Schema-qualified name, e.g. `crm.clients`. */
  table: string;
  /** Column names in the order `rows` yields values. */
  columns: readonly string[];
  /** The firm's rows; deterministic given the fixture (use `firm.random(table)`). */
  rows(firm: FirmFixture, context: SeedContext): Iterable<CopyValue[]>;
  /** Asynchronous work `rows` needs done first (rendering PDFs to hash them), run before the load's transaction. */
  prepare?(firms: readonly FirmFixture[], context: SeedContext): Promise<void>;
}
