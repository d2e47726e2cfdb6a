import { v7 as uuidv7 } from 'uuid';
import { prng } from '../seed-data.ts';

/** Firms in the large dataset, whatever the scale. */
export const FIRM_COUNT = 50;

/**
 * What the largest firm holds at scale 1 (issue #5). Smaller firms get a Zipf share of it: firm
 * `rank` (1 = largest) holds `1 / rank` of each count, so a few firms are big and most are small.
 */
export const LARGEST_FIRM = {
  clients: 5_000,
  staff: 40,
  invoices: 20_000,
  documents: 50_000,
} as const;

/** Every firm has at least this many staff (an owner and one more), whatever the scale. */
const MIN_STAFF = 2;
/** Data is spread over three years, ending when the seed runs. */
export const HISTORY_DAYS = 3 * 365;
const DAY_MS = 86_400_000;

/** The password of every seeded user: bench and manual testing only, never a real firm. */
export const LARGE_SEED_PASSWORD = 'Bench-Large-Seed-2026!';

/** Slugs of seeded firms start with this; the seeder refuses a database that already holds one. */
export const LARGE_SEED_SLUG_PREFIX = 'bench-';

/** Email of the owner of the firm of `rank` (1 = largest): what the benchmarks log in as. */
export function largeSeedOwnerEmail(rank: number): string {
  return `owner@${firmSlug(rank)}.bench.firmgraph.test`;
}

function firmSlug(rank: number): string {
  return `${LARGE_SEED_SLUG_PREFIX}${String(rank).padStart(2, '0')}`;
}

/** A seeded staff member of one firm; `role` is the membership role. */
export interface StaffFixture {
  id: string;
  membershipId: string;
  email: string;
  name: string;
  role: 'OWNER' | 'ADMIN' | 'MANAGER' | 'STAFF';
  createdAt: Date;
}

/** A seeded client; `weight` is its share of the firm's invoices and documents (heavy-tailed). */
export interface ClientFixture {
  id: string;
  name: string;
  email: string;
  currency: string;
  createdAt: Date;
  archived: boolean;
  weight: number;
}

/**
 * One firm's skeleton: the rows other tables refer to. Table modules (`tables.ts`) derive their
 * rows from it, so a new table only needs the fixture, never another table's output.
 */
export interface FirmFixture {
  rank: number;
  id: string;
  name: string;
  slug: string;
  currency: string;
  createdAt: Date;
  staff: StaffFixture[];
  clients: ClientFixture[];
  /** Row counts this firm should get per child table, from `LARGEST_FIRM` scaled. */
  targets: { invoices: number; documents: number };
  /** A PRNG for `table`, seeded from the firm and the table name: rows never depend on table order. */
  random(table: string): () => number;
}

const FIRM_WORDS = ['Hawthorne', 'Ashford', 'Bellamy', 'Carrow', 'Dunmore', 'Ellery', 'Fenwick', 'Garland', 'Holloway', 'Iverson', 'Kendrick', 'Lockwood', 'Merriam', 'Northcott', 'Oakley', 'Prescott', 'Radcliffe', 'Sterling', 'Thornbury', 'Whitlock'];
const FIRM_KINDS = ['Advisory', 'Accounting', 'Partners', 'Consulting', 'CPAs', 'Tax & Audit', 'Bookkeeping', 'Associates'];
const CLIENT_FIRST = ['Alder', 'Birch', 'Cedar', 'Driftwood', 'Ember', 'Fairhaven', 'Granite', 'Harbor', 'Iron', 'Juniper', 'Kestrel', 'Lumen', 'Maple', 'North', 'Oak', 'Pine', 'Quarry', 'River', 'Salt', 'Thistle', 'Umber', 'Vantage', 'Willow', 'Yarrow', 'Zephyr'];
const CLIENT_SECOND = ['Creek', 'Ridge', 'Point', 'Valley', 'Light', 'Bridge', 'Field', 'Stone', 'Lane', 'Gate', 'Brook', 'Peak'];
const CLIENT_KINDS = ['Dental Group', 'Logistics LLC', 'Builders', 'Coffee Roasters', 'Analytics Inc.', 'Veterinary Clinic', 'Outfitters', 'Nonprofit', 'Manufacturing', 'Family Law', 'Robotics GmbH', 'Architecture', 'Bakery', 'Property Management', 'Physical Therapy', 'Brewing Co.', 'Auto Repair', 'Seafood Ltd', 'Media Partners', 'Surveying'];
const PEOPLE_FIRST = ['Olivia', 'Marcus', 'Priya', 'Tomás', 'Hannah', 'Kofi', 'Mei', 'Lars', 'Amara', 'Diego', 'Sofia', 'Yusuf', 'Ingrid', 'Rahul', 'Chloe', 'Mateo'];
const PEOPLE_LAST = ['Hawthorne', 'Vale', 'Raman', 'Ortega', 'Becker', 'Mensah', 'Chen', 'Nilsson', 'Okafor', 'Alvarez', 'Rossi', 'Demir', 'Larsen', 'Iyer', 'Dubois', 'Silva'];
const CURRENCIES = ['USD', 'USD', 'USD', 'EUR', 'GBP'];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** A UUIDv7 whose timestamp is `at`, so ids sort like the seeded creation times (RFC 9562 §5.7). */
export function idAt(at: Date): string {
  return uuidv7({ msecs: at.getTime() });
}

/** A moment uniformly between `from` and `to`. */
export function between(random: () => number, from: Date, to: Date): Date {
  return new Date(from.getTime() + Math.floor(random() * (to.getTime() - from.getTime())));
}

/** Rows of a firm's table at `scale`: `largest / rank`, at least `min`. */
function scaled(largest: number, rank: number, scale: number, min: number): number {
  return Math.max(min, Math.round((largest * scale) / rank));
}

/** A deterministic 32-bit seed from text (FNV-1a). */
function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/**
 * Builds the 50 firm fixtures at `scale` (1 = the sizes; 0.1 is a tenth of every count).
 * Deterministic for a given `scale` and `now`. Client weights follow a Pareto distribution
 * (shape 1.2): a few big clients hold most invoices and documents, many hold one or none.
 *
 * @param scale > 0; counts are rounded, each firm keeps at least one client and two staff.
 * @param now the end of the three years of history.
 */
export function planFirms(scale: number, now: Date): FirmFixture[] {
  const historyStart = new Date(now.getTime() - HISTORY_DAYS * DAY_MS);
  return Array.from({ length: FIRM_COUNT }, (_, index) => {
    const rank = index + 1;
    const random = prng(seedOf(`firm:${rank}`));
    const createdAt = between(random, new Date(historyStart.getTime() - 90 * DAY_MS), historyStart);
    const slug = firmSlug(rank);
    const firmId = idAt(createdAt);
    const currency = pick(random, CURRENCIES);
    const staffCount = scaled(LARGEST_FIRM.staff, rank, scale, MIN_STAFF);
    const staff: StaffFixture[] = Array.from({ length: staffCount }, (_, n) => {
      const joined = n === 0 ? createdAt : between(random, createdAt, now);
      const name = `${pick(random, PEOPLE_FIRST)} ${pick(random, PEOPLE_LAST)}`;
      return {
        id: idAt(joined),
        membershipId: idAt(joined),
        email: n === 0 ? largeSeedOwnerEmail(rank) : `staff${n}@${slug}.bench.firmgraph.test`,
        name,
        role: n === 0 ? 'OWNER' : n === 1 ? 'ADMIN' : n % 5 === 2 ? 'MANAGER' : 'STAFF',
        createdAt: joined,
      };
    });
    const clientCount = scaled(LARGEST_FIRM.clients, rank, scale, 1);
    const clients: ClientFixture[] = Array.from({ length: clientCount }, (_, n) => {
      const since = between(random, historyStart, now);
      const first = pick(random, CLIENT_FIRST);
      const name = `${first} ${pick(random, CLIENT_SECOND)} ${pick(random, CLIENT_KINDS)} ${n + 1}`;
      return {
        id: idAt(since),
        name,
        email: `accounts${n + 1}@${first.toLowerCase()}.example`,
        currency: random() < 0.9 ? currency : pick(random, CURRENCIES),
        createdAt: since,
        archived: random() < 0.08,
        // Pareto(1.2): 1 / u^(1/1.2), u in (0, 1].
        weight: 1 / (1 - random()) ** (1 / 1.2),
      };
    });
    return {
      rank,
      id: firmId,
      name: `${pick(random, FIRM_WORDS)} ${pick(random, FIRM_WORDS)} ${pick(random, FIRM_KINDS)}`,
      slug,
      currency,
      createdAt,
      staff,
      clients,
      targets: {
        invoices: scaled(LARGEST_FIRM.invoices, rank, scale, 0),
        documents: scaled(LARGEST_FIRM.documents, rank, scale, 0),
      },
      random: (table) => prng(seedOf(`${table}:${rank}`)),
    };
  });
}

/**
 * Spreads `total` child rows over the firm's clients in proportion to their weights (largest
 * remainders), so the heavy clients get most rows. @returns one count per client, summing to `total`.
 */
export function allocateByWeight(clients: ClientFixture[], total: number): number[] {
  const sum = clients.reduce((acc, client) => acc + client.weight, 0);
  const exact = clients.map((client) => (client.weight / sum) * total);
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((acc, n) => acc + n, 0);
  const order = exact.map((value, i) => [value - Math.floor(value), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    counts[i]! += 1;
    left -= 1;
  }
  return counts;
}
