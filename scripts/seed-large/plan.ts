import type { RateCard } from '../../subgraphs/billing/rates/rate-resolution.ts';
import { prng } from '../seed-data.ts';

/** Firms in the large dataset, whatever the scale. */
export const FIRM_COUNT = 50;

/**
 * What the largest firm holds at scale 1 (docs/benchmarks.md). Smaller firms get a Zipf share of it: firm
 * `rank` (1 = largest) holds `1 / rank` of each count, so a few firms are big and most are small.
 */
const LARGEST_FIRM = {
  clients: 5_000,
  contacts: 15_000,
  staff: 40,
  invoices: 20_000,
  documents: 50_000,
  messages: 100_000,
  engagements: 8_000,
  timeEntries: 400_000,
} as const;

/**
 * Share of a firm's clients, heaviest first, whose primary contact has accepted a portal
 * invitation: the big clients use the portal, most small ones never do.
 */
export const PORTAL_CLIENT_SHARE = 0.2;
/** Share of portal users who are also a contact of a second client and were granted it too. */
const SECOND_CLIENT_SHARE = 0.1;

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
interface StaffFixture {
  id: string;
  membershipId: string;
  email: string;
  name: string;
  role: 'OWNER' | 'ADMIN' | 'MANAGER' | 'STAFF';
  createdAt: Date;
}

/** A seeded client; `weight` is its share of the firm's invoices, documents and messages (heavy-tailed). */
export interface ClientFixture {
  id: string;
  name: string;
  email: string;
  /** The client's own mail domain, unique in the firm: its contacts' addresses are on it. */
  domain: string;
  currency: string;
  createdAt: Date;
  archived: boolean;
  weight: number;
  /** Staff on the client's team (`crm.client_team_members`): they take part in its message threads. */
  team: StaffFixture[];
  /** Portal users who reach this client (its own primary contact's, and others granted it). */
  portalUsers: PortalUserFixture[];
}

/** What a contact is to a client (`crm.contact_role`). */
type ContactRole = 'PRIMARY' | 'BILLING' | 'OTHER';

/** A person at the firm's clients (`crm.contacts`) and the clients they are linked to (`crm.client_contacts`). */
interface ContactFixture {
  id: string;
  name: string;
  /** Lower case ASCII, unique in the firm. */
  email: string;
  title: string;
  phone: string | null;
  createdAt: Date;
  /** The first link is to the contact's own client; a portal user's second client adds one. */
  links: { clientId: string; role: ContactRole; createdAt: Date }[];
}

/**
 * A contact who accepted a portal invitation (`tenancy.portal_users`), as `invitePortalUser` and
 * `acceptPortalInvitation` leave it: password set, activated, listed in `tenancy.portal_logins`,
 * granted `clientIds` one by one, each of which the contact is linked to (the gateway's portal
 * reach needs the grant and the link).
 */
interface PortalUserFixture {
  id: string;
  contact: ContactFixture;
  /** A staff member with `portal:invite` (OWNER, ADMIN or MANAGER). */
  invitedByUserId: string;
  invitedAt: Date;
  activatedAt: Date;
  clientIds: string[];
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
  contacts: ContactFixture[];
  portalUsers: PortalUserFixture[];
  /** The firm's service catalogue (`billing.services`), the same six names in every firm. */
  services: ServiceFixture[];
  /** The clients' engagements (`crm.engagements`), at least one per client. */
  engagements: EngagementFixture[];
  /** The firm's rate card (`billing.rates`), as rate resolution reads it. */
  rateCards: RateCard[];
  /** Weekly capacities of the staff who have one (`billing.staff_capacities`); the rest have the 40 h default. */
  capacities: { userId: string; weeklyMinutes: number }[];
  /** Row counts this firm should get per child table, from `LARGEST_FIRM` scaled. */
  targets: { invoices: number; documents: number; messages: number; timeEntries: number };
  /** A PRNG for `table`, seeded from the firm and the table name: rows never depend on table order. */
  random(table: string): () => number;
}

const FIRM_WORDS = [
  'Hawthorne',
  'Ashford',
  'Bellamy',
  'Carrow',
  'Dunmore',
  'Ellery',
  'Fenwick',
  'Garland',
  'Holloway',
  'Iverson',
  'Kendrick',
  'Lockwood',
  'Merriam',
  'Northcott',
  'Oakley',
  'Prescott',
  'Radcliffe',
  'Sterling',
  'Thornbury',
  'Whitlock',
];
const FIRM_KINDS = [
  'Advisory',
  'Accounting',
  'Partners',
  'Consulting',
  'CPAs',
  'Tax & Audit',
  'Bookkeeping',
  'Associates',
];
const CLIENT_FIRST = [
  'Alder',
  'Birch',
  'Cedar',
  'Driftwood',
  'Ember',
  'Fairhaven',
  'Granite',
  'Harbor',
  'Iron',
  'Juniper',
  'Kestrel',
  'Lumen',
  'Maple',
  'North',
  'Oak',
  'Pine',
  'Quarry',
  'River',
  'Salt',
  'Thistle',
  'Umber',
  'Vantage',
  'Willow',
  'Yarrow',
  'Zephyr',
];
const CLIENT_SECOND = [
  'Creek',
  'Ridge',
  'Point',
  'Valley',
  'Light',
  'Bridge',
  'Field',
  'Stone',
  'Lane',
  'Gate',
  'Brook',
  'Peak',
];
const CLIENT_KINDS = [
  'Dental Group',
  'Logistics LLC',
  'Builders',
  'Coffee Roasters',
  'Analytics Inc.',
  'Veterinary Clinic',
  'Outfitters',
  'Nonprofit',
  'Manufacturing',
  'Family Law',
  'Robotics GmbH',
  'Architecture',
  'Bakery',
  'Property Management',
  'Physical Therapy',
  'Brewing Co.',
  'Auto Repair',
  'Seafood Ltd',
  'Media Partners',
  'Surveying',
];
const PEOPLE_FIRST = [
  'Olivia',
  'Marcus',
  'Priya',
  'Tomás',
  'Hannah',
  'Kofi',
  'Mei',
  'Lars',
  'Amara',
  'Diego',
  'Sofia',
  'Yusuf',
  'Ingrid',
  'Rahul',
  'Chloe',
  'Mateo',
];
const PEOPLE_LAST = [
  'Hawthorne',
  'Vale',
  'Raman',
  'Ortega',
  'Becker',
  'Mensah',
  'Chen',
  'Nilsson',
  'Okafor',
  'Alvarez',
  'Rossi',
  'Demir',
  'Larsen',
  'Iyer',
  'Dubois',
  'Silva',
];
const CURRENCIES = ['USD', 'USD', 'USD', 'EUR', 'GBP'];
const CONTACT_TITLES = [
  'Finance Director',
  'Controller',
  'Chief Executive',
  'Office Manager',
  'Bookkeeper',
  'Founder',
  'Operations Lead',
  'Chief Financial Officer',
  'Payroll Administrator',
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * A UUIDv7 whose timestamp is `at`, so ids sort like the seeded creation times (RFC 9562 §5.7).
 * Its 74 random bits come from `random`: given a seeded PRNG, a table that derives rows again
 * from the same stream gets the same ids (messages, and the read marks that name them).
 */
export function idAt(at: Date, random: () => number = Math.random): string {
  const ms = at.getTime();
  const high = Math.floor(ms / 0x10000);
  const a = Math.floor(random() * 0x1_0000_0000);
  const b = Math.floor(random() * 0x1_0000_0000);
  const c = Math.floor(random() * 0x1_0000);
  return (
    `${HEX[high >>> 24]}${HEX[(high >>> 16) & 0xff]}${HEX[(high >>> 8) & 0xff]}${HEX[high & 0xff]}-${HEX[(ms >>> 8) & 0xff]}${HEX[ms & 0xff]}` +
    // Version 7 and rand_a (12 bits), then variant 0b10 and rand_b (62 bits).
    `-${HEX[0x70 | (a >>> 28)]}${HEX[(a >>> 20) & 0xff]}-${HEX[0x80 | ((a >>> 14) & 0x3f)]}${HEX[(a >>> 6) & 0xff]}` +
    `-${HEX[((a & 0x3f) << 2) | (c >>> 14)]}${HEX[(c >>> 6) & 0xff]}${HEX[b >>> 24]}${HEX[(b >>> 16) & 0xff]}${HEX[(b >>> 8) & 0xff]}${HEX[b & 0xff]}`
  );
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
 * Builds the 50 firm fixtures at `scale` (1 = the issue's sizes; 0.1 is a tenth of every count).
 * Deterministic for a given `scale` and `now` (but for the random bits of the fixtures' ids).
 * Client weights follow a Pareto distribution (shape 1.2): a few big clients hold most invoices,
 * documents and messages, many hold one or none. Each client has at least one contact and a
 * team; the heaviest fifth's primary contacts are portal users (`planPortalUsers`).
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
      const second = pick(random, CLIENT_SECOND);
      const name = `${first} ${second} ${pick(random, CLIENT_KINDS)} ${n + 1}`;
      return {
        id: idAt(since),
        name,
        email: `accounts${n + 1}@${first.toLowerCase()}.example`,
        domain: `${first}${second}${n + 1}.example`.toLowerCase(),
        currency: random() < 0.9 ? currency : pick(random, CURRENCIES),
        createdAt: since,
        archived: random() < 0.08,
        // Pareto(1.2): 1 / u^(1/1.2), u in (0, 1].
        weight: 1 / (1 - random()) ** (1 / 1.2),
        team: [],
        portalUsers: [],
      };
    });
    const firmName = `${pick(random, FIRM_WORDS)} ${pick(random, FIRM_WORDS)} ${pick(random, FIRM_KINDS)}`;
    // People at the clients draw from their own stream, so adding them left the rest unchanged.
    const people = prng(seedOf(`people:${rank}`));
    assignTeams(people, staff, clients);
    const contacts = planContacts(people, clients, scaled(LARGEST_FIRM.contacts, rank, scale, clientCount), now);
    const portalUsers = planPortalUsers(people, staff, clients, contacts, now);
    // Engagements, services and rates draw from a stream of their own too.
    const work = prng(seedOf(`engagements:${rank}`));
    const services = planServices(createdAt);
    const engagements = planEngagements(
      work,
      clients,
      services,
      scaled(LARGEST_FIRM.engagements, rank, scale, clientCount),
      now,
    );
    const rateCards = planRateCards(work, staff, createdAt, now, currency);
    const capacities = staff
      .filter(() => work() < 0.3)
      .map((person) => ({ userId: person.id, weeklyMinutes: [1440, 1800, 2100, 2250][Math.floor(work() * 4)]! }));
    return {
      rank,
      id: firmId,
      name: firmName,
      slug,
      currency,
      createdAt,
      staff,
      clients,
      contacts,
      portalUsers,
      services,
      engagements,
      rateCards,
      capacities,
      targets: {
        invoices: scaled(LARGEST_FIRM.invoices, rank, scale, 0),
        documents: scaled(LARGEST_FIRM.documents, rank, scale, 0),
        messages: scaled(LARGEST_FIRM.messages, rank, scale, 0),
        timeEntries: scaled(LARGEST_FIRM.timeEntries, rank, scale, 0),
      },
      random: (table) => prng(seedOf(`${table}:${rank}`)),
    };
  });
}

/** Puts one to three staff members (never the owner, who sees every thread anyway) on each client's team. */
function assignTeams(random: () => number, staff: StaffFixture[], clients: ClientFixture[]): void {
  const pool = staff.slice(1);
  for (const client of clients) {
    const size = Math.min(pool.length, 1 + Math.floor(random() * 3));
    const team = new Set<StaffFixture>();
    while (team.size < size) team.add(pick(random, pool));
    client.team = [...team];
  }
}

/** Lower-case ASCII for a mail address part: `Tomás` → `tomas`. */
function mailPart(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * Every client gets a PRIMARY contact (then a BILLING one, then OTHER ones); `total` contacts in
 * all, the ones beyond the first per client spread by the square root of the client's weight, so
 * big clients have more people but not hundreds. @param total at least one per client.
 */
function planContacts(random: () => number, clients: ClientFixture[], total: number, now: Date): ContactFixture[] {
  const extra = allocate(
    clients.map((client) => Math.sqrt(client.weight)),
    total - clients.length,
  );
  const contacts: ContactFixture[] = [];
  for (const [index, client] of clients.entries()) {
    for (let k = 0; k <= extra[index]!; k += 1) {
      const given = pick(random, PEOPLE_FIRST);
      const family = pick(random, PEOPLE_LAST);
      const createdAt = k === 0 ? client.createdAt : between(random, client.createdAt, now);
      contacts.push({
        id: idAt(createdAt),
        name: `${given} ${family}`,
        // The index keeps two namesakes at one client apart.
        email: `${mailPart(given)}.${mailPart(family)}${k === 0 ? '' : k + 1}@${client.domain}`,
        title: pick(random, CONTACT_TITLES),
        phone: random() < 0.7 ? `+1 555 ${String(Math.floor(random() * 10_000)).padStart(4, '0')}` : null,
        createdAt,
        links: [{ clientId: client.id, role: k === 0 ? 'PRIMARY' : k === 1 ? 'BILLING' : 'OTHER', createdAt }],
      });
    }
  }
  return contacts;
}

/**
 * The primary contacts of the heaviest `PORTAL_CLIENT_SHARE` of the clients (archived ones left
 * out) accepted a portal invitation within two months of joining; one in ten was also linked to
 * and granted a second active client. Fills each reached client's `portalUsers`.
 */
function planPortalUsers(
  random: () => number,
  staff: StaffFixture[],
  clients: ClientFixture[],
  contacts: ContactFixture[],
  now: Date,
): PortalUserFixture[] {
  const primaryOf = new Map(
    contacts
      .filter((contact) => contact.links[0]!.role === 'PRIMARY')
      .map((contact) => [contact.links[0]!.clientId, contact]),
  );
  const inviters = staff.filter((person) => person.role !== 'STAFF');
  const active = clients.filter((client) => !client.archived);
  const heaviest = [...clients]
    .sort((a, b) => b.weight - a.weight)
    .slice(0, Math.max(1, Math.ceil(clients.length * PORTAL_CLIENT_SHARE)));
  const portalUsers: PortalUserFixture[] = [];
  for (const client of heaviest) {
    if (client.archived) continue;
    const contact = primaryOf.get(client.id)!;
    const invitedAt = new Date(Math.min(now.getTime(), contact.createdAt.getTime() + random() * 60 * DAY_MS));
    const activatedAt = new Date(Math.min(now.getTime(), invitedAt.getTime() + random() * 3 * DAY_MS));
    const inviter = pick(random, inviters);
    const granted = [client];
    if (random() < SECOND_CLIENT_SHARE && active.length > 1) {
      let other = pick(random, active);
      while (other === client) other = pick(random, active);
      contact.links.push({ clientId: other.id, role: 'OTHER', createdAt: invitedAt });
      granted.push(other);
    }
    const portalUser: PortalUserFixture = {
      id: idAt(invitedAt),
      contact,
      // Staff who joined after the invitation could not have sent it: the owner did.
      invitedByUserId: inviter.createdAt <= invitedAt ? inviter.id : staff[0]!.id,
      invitedAt,
      activatedAt,
      clientIds: granted.map((each) => each.id),
    };
    for (const each of granted) each.portalUsers.push(portalUser);
    portalUsers.push(portalUser);
  }
  return portalUsers;
}

/**
 * Spreads `total` rows over items in proportion to `weights` (largest remainders).
 * @returns one count per weight, summing to `total` (all 0 when `total` is 0 or less).
 */
export function allocate(weights: readonly number[], total: number): number[] {
  const sum = weights.reduce((acc, weight) => acc + weight, 0);
  const exact = weights.map((weight) => (total > 0 && sum > 0 ? (weight / sum) * total : 0));
  const counts = exact.map(Math.floor);
  let left = Math.max(0, total) - counts.reduce((acc, n) => acc + n, 0);
  const order = exact.map((value, i) => [value - Math.floor(value), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    counts[i]! += 1;
    left -= 1;
  }
  return counts;
}

/**
 * Spreads `total` child rows over clients in proportion to their weights, so the heavy clients get
 * most rows. @returns one count per client, summing to `total`.
 */
export function allocateByWeight(clients: readonly ClientFixture[], total: number): number[] {
  return allocate(
    clients.map((client) => client.weight),
    total,
  );
}

/** A service of the firm's catalogue. */
interface ServiceFixture {
  id: string;
  name: string;
  billingType: 'HOURLY' | 'FIXED_FEE' | 'NON_BILLABLE';
  createdAt: Date;
}

/** A client's engagement; `team` always includes the manager, and all of it is on the client's team. */
interface EngagementFixture {
  id: string;
  client: ClientFixture;
  code: string;
  name: string;
  status: 'DRAFT' | 'ACTIVE' | 'ON_HOLD' | 'COMPLETED' | 'CANCELLED';
  /** The service most of its time is recorded under. */
  service: ServiceFixture;
  manager: StaffFixture;
  team: StaffFixture[];
  createdAt: Date;
  /** Its share of the firm's time: the client's weight split over the client's engagements. */
  weight: number;
}

const SERVICE_CATALOGUE: [string, ServiceFixture['billingType'], string][] = [
  ['Tax return preparation', 'FIXED_FEE', 'TAX'],
  ['Advisory', 'HOURLY', 'ADV'],
  ['Bookkeeping', 'HOURLY', 'BKP'],
  ['Payroll', 'HOURLY', 'PAY'],
  ['Audit support', 'HOURLY', 'AUD'],
  ['Internal', 'NON_BILLABLE', 'INT'],
];

/** The six services of the demo firm's catalogue, created with the firm. */
function planServices(createdAt: Date): ServiceFixture[] {
  return SERVICE_CATALOGUE.map(([name, billingType]) => ({ id: idAt(createdAt), name, billingType, createdAt }));
}

/**
 * `total` engagements (at least one per client), the ones beyond the first spread by the square
 * root of the client's weight; each on one billable service, managed by a member of the client's
 * team, who is its team. Mostly ACTIVE, some COMPLETED, ON_HOLD or DRAFT.
 */
function planEngagements(
  random: () => number,
  clients: ClientFixture[],
  services: ServiceFixture[],
  total: number,
  now: Date,
): EngagementFixture[] {
  const extra = allocate(
    clients.map((client) => Math.sqrt(client.weight)),
    total - clients.length,
  );
  const billable = services.filter((service) => service.billingType !== 'NON_BILLABLE');
  const engagements: EngagementFixture[] = [];
  for (const [index, client] of clients.entries()) {
    const count = 1 + extra[index]!;
    for (let k = 0; k < count; k += 1) {
      const service = pick(random, billable);
      const suffix = SERVICE_CATALOGUE.find(([name]) => name === service.name)![2];
      const createdAt = k === 0 ? client.createdAt : between(random, client.createdAt, now);
      const roll = random();
      engagements.push({
        id: idAt(createdAt),
        client,
        code: `E${String(engagements.length + 1).padStart(5, '0')}-${suffix}`,
        name: `${client.name}: ${service.name.toLowerCase()} ${k + 1}`,
        status:
          client.archived || roll < 0.12 ? 'COMPLETED' : roll < 0.17 ? 'ON_HOLD' : roll < 0.2 ? 'DRAFT' : 'ACTIVE',
        service,
        manager: client.team[0]!,
        team: client.team,
        createdAt,
        weight: client.weight / count,
      });
    }
  }
  return engagements;
}

/** Hourly FIRM_ROLE rates in minor units (the same in USD, EUR and GBP here), by role. */
const ROLE_RATES = { OWNER: 32_500n, ADMIN: 26_000n, MANAGER: 21_000n, STAFF: 14_500n } as const;

/**
 * The firm's rate card: a FIRM_ROLE rate per role in each client currency from the firm's
 * creation, the STAFF rate in the firm's currency raised 200 days before `now`, and a
 * STAFF_STANDARD rate for every seventh staff member.
 */
function planRateCards(
  random: () => number,
  staff: StaffFixture[],
  createdAt: Date,
  now: Date,
  firmCurrency: string,
): RateCard[] {
  const from = createdAt.toISOString().slice(0, 10);
  const base = { engagementId: null, clientId: null, userId: null, serviceId: null, role: null };
  const cards: RateCard[] = [];
  for (const currency of ['USD', 'EUR', 'GBP'])
    for (const [role, hourlyMinor] of Object.entries(ROLE_RATES))
      cards.push({
        ...base,
        id: idAt(createdAt, random),
        source: 'FIRM_ROLE',
        role,
        currency,
        hourlyMinor,
        effectiveFrom: from,
      });
  const raisedAt = new Date(now.getTime() - 200 * DAY_MS);
  cards.push({
    ...base,
    id: idAt(raisedAt, random),
    source: 'FIRM_ROLE',
    role: 'STAFF',
    currency: firmCurrency,
    hourlyMinor: 15_500n,
    effectiveFrom: raisedAt.toISOString().slice(0, 10),
  });
  for (const [n, person] of staff.entries())
    if (n % 7 === 3)
      cards.push({
        ...base,
        id: idAt(person.createdAt, random),
        source: 'STAFF_STANDARD',
        userId: person.id,
        currency: firmCurrency,
        hourlyMinor: 17_000n + BigInt(Math.floor(random() * 40)) * 250n,
        effectiveFrom: person.createdAt.toISOString().slice(0, 10),
      });
  return cards;
}
