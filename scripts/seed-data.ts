import type { Database } from '../db/client.ts';
import type { Tx } from '../db/client.ts';
import { engagements, engagementTeamMembers, type EngagementStatusValue } from '../db/schema/engagements.ts';
import type { RoleValue } from '../db/schema/tenancy.ts';
import {
  firmTimeSettings,
  rates,
  services,
  staffCapacities,
  timeEntries,
  type RateRow,
  type TimeEntryStatusValue,
} from '../db/schema/time.ts';
import { resolveRate, valueOfMinutes } from '../subgraphs/billing/rates/rate-resolution.ts';
import { importIssuedInvoices } from '../subgraphs/billing/invoices/invoice-import.ts';
import { insertClient } from '../subgraphs/crm/clients/client-store.ts';
import { insertContact, upsertClientContact } from '../subgraphs/crm/contacts/contact-store.ts';
import { insertDocuments } from '../subgraphs/documents/documents/document-store.ts';
import { newId } from '../platform/ids.ts';
import {
  findUserByEmail,
  insertFirm,
  insertMembership,
  insertUser,
} from '../subgraphs/tenancy/identity/identity-store.ts';
import { hashPassword } from '../subgraphs/tenancy/identity/passwords.ts';
import {
  insertPortalClientGrants,
  insertPortalLogin,
  insertPortalUser,
} from '../subgraphs/tenancy/portal/portal-store.ts';

/** The demo owner's login, printed by `npm start`. Demo data only; never use it for a real firm. */
export const DEMO_OWNER = {
  name: 'Olivia Hawthorne',
  email: 'owner@demo.firmgraph.test',
  password: 'Hawthorne-Vale-Demo-2026',
};

export const DEMO_FIRM = { name: 'Hawthorne & Vale Advisory', slug: 'hawthorne-vale-demo' };

/** The demo portal user's login (a contact of the first demo client), printed by `npm start`. Demo data only. */
export const DEMO_PORTAL_USER = {
  name: 'Jordan Reyes',
  email: 'client@demo.firmgraph.test',
  password: 'Reyes-Portal-Demo-2026',
};

const DEMO_STAFF: { name: string; email: string; role: RoleValue }[] = [
  { name: 'Marcus Vale', email: 'marcus.vale@demo.firmgraph.test', role: 'ADMIN' },
  { name: 'Priya Raman', email: 'priya.raman@demo.firmgraph.test', role: 'MANAGER' },
  { name: 'Tomás Ortega', email: 'tomas.ortega@demo.firmgraph.test', role: 'STAFF' },
  { name: 'Hannah Becker', email: 'hannah.becker@demo.firmgraph.test', role: 'STAFF' },
];

// Name, web domain, billing currency: a consultancy's typical book of business.
const DEMO_CLIENTS: [string, string, string][] = [
  ['Alder Creek Dental Group', 'aldercreekdental.example', 'USD'],
  ['Birchwood Logistics LLC', 'birchwoodlogistics.example', 'USD'],
  ['Calloway & Sons Builders', 'callowaybuilders.example', 'USD'],
  ['Driftwood Coffee Roasters', 'driftwoodcoffee.example', 'USD'],
  ['Ember Analytics Inc.', 'emberanalytics.example', 'USD'],
  ['Fairhaven Veterinary Clinic', 'fairhavenvet.example', 'USD'],
  ['Granite Peak Outfitters', 'granitepeak.example', 'USD'],
  ['Harbor Light Nonprofit', 'harborlight.example', 'USD'],
  ['Ironbridge Manufacturing', 'ironbridgemfg.example', 'USD'],
  ['Juniper Family Law', 'juniperlaw.example', 'USD'],
  ['Kestrel Robotics GmbH', 'kestrel-robotics.example', 'EUR'],
  ['Lumen Architecture Studio', 'lumenarch.example', 'USD'],
  ['Maple Row Bakery', 'maplerowbakery.example', 'USD'],
  ['Northgate Property Management', 'northgatepm.example', 'USD'],
  ['Oakline Physical Therapy', 'oaklinept.example', 'USD'],
  ['Pinecrest Charter School', 'pinecrest.example', 'USD'],
  ['Quarry Lane Brewing Co.', 'quarrylane.example', 'USD'],
  ['Riverside Auto Repair', 'riversideauto.example', 'USD'],
  ['Saltmarsh Seafood Ltd', 'saltmarsh.example', 'GBP'],
  ['Thistle & Thread Boutique', 'thistlethread.example', 'USD'],
  ['Umber Media Partners', 'umbermedia.example', 'USD'],
  ['Vantage Point Surveying', 'vantagepoint.example', 'USD'],
  ['Willowbrook Senior Living', 'willowbrook.example', 'USD'],
  ['Yarrow Organic Farms', 'yarrowfarms.example', 'USD'],
  ['Zephyr Wind Energy', 'zephyrwind.example', 'EUR'],
];

const DOCUMENT_KINDS: [string, string][] = [
  ['Engagement letter', 'application/pdf'],
  ['Tax return', 'application/pdf'],
  ['Management accounts', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ['Bank statements', 'application/pdf'],
  ['Payroll summary', 'text/csv'],
  ['Board minutes', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
];

/** Deterministic PRNG (mulberry32), so every fresh demo database looks the same. */
export function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Seeds the demo firm: its owner and four staff, 25 clients, their invoices (amounts in minor
 * units) and document records. Idempotent: when the demo owner exists it writes nothing.
 * Everything is written in one transaction under the firm's RLS context.
 *
 * @param database a pool that may write every subgraph's schema, i.e. the admin connection
 *   (`PreparedDatabase.adminUrl`): no service role may, by design (README "Architecture").
 *
 * @returns whether this call created the firm.
 */
export async function seedDemoFirm(database: Database): Promise<{ created: boolean; firmId: string | null }> {
  const existing = await database.withTenant({ firmId: null }, (tx) =>
    findUserByEmail(tx, { email: DEMO_OWNER.email }),
  );
  if (existing) return { created: false, firmId: null };

  const passwordHash = await hashPassword(DEMO_OWNER.password);
  const portalPasswordHash = await hashPassword(DEMO_PORTAL_USER.password);
  const firmId = newId();
  const random = prng(2026);
  await database.withTenant({ firmId }, async (tx) => {
    await insertFirm(tx, { id: firmId, ...DEMO_FIRM });
    const userIds: string[] = [];
    for (const person of [{ ...DEMO_OWNER, role: 'OWNER' as const }, ...DEMO_STAFF]) {
      const user = await insertUser(tx, { id: newId(), email: person.email, name: person.name, passwordHash });
      await insertMembership(tx, { firmId, id: newId(), userId: user.id, role: person.role });
      userIds.push(user.id);
    }
    let invoiceNumber = 0;
    const clients: DemoClient[] = [];
    for (const [index, [name, domain, currency]] of DEMO_CLIENTS.entries()) {
      const client = await insertClient(tx, {
        firmId,
        id: newId(),
        name,
        email: `accounts@${domain}`,
        phone: `+1 555 01${String(index).padStart(2, '0')}`,
        website: `https://${domain}`,
        currency,
      });
      clients.push({ id: client.id, name, currency });
      if (index === 0) {
        // The first client's finance lead has accepted a portal invitation.
        const contact = await insertContact(tx, {
          firmId,
          id: newId(),
          name: DEMO_PORTAL_USER.name,
          email: DEMO_PORTAL_USER.email,
          title: 'Finance Director',
        });
        await upsertClientContact(tx, { firmId, clientId: client.id, contactId: contact.id, role: 'PRIMARY' });
        const portalUser = await insertPortalUser(tx, {
          firmId,
          id: newId(),
          contactId: contact.id,
          email: DEMO_PORTAL_USER.email,
          name: DEMO_PORTAL_USER.name,
          passwordHash: portalPasswordHash,
          invitedByUserId: userIds[0]!,
          activatedAt: new Date(),
        });
        await insertPortalClientGrants(tx, { firmId, portalUserId: portalUser.id, clientIds: [client.id] });
        await insertPortalLogin(tx, {
          email: DEMO_PORTAL_USER.email,
          firmId,
          firmSlug: DEMO_FIRM.slug,
          portalUserId: portalUser.id,
        });
      }
      // A few big clients and many small ones.
      const invoiceCount = Math.floor(random() ** 2 * 8);
      const invoices = Array.from({ length: invoiceCount }, (_, n) => {
        const totalMinor = BigInt(Math.round((250 + random() ** 3 * 12_000) * 100));
        const status = n < invoiceCount - 2 ? 'PAID' : random() < 0.75 ? 'OPEN' : 'DRAFT';
        const issued = new Date(Date.UTC(2026, n, 1 + Math.floor(random() * 27)));
        const due = new Date(issued.getTime() + 30 * 86_400_000);
        const isDraft = status === 'DRAFT';
        return {
          clientId: client.id,
          number: isDraft ? null : `INV-2026-${String(++invoiceNumber).padStart(4, '0')}`,
          status: status as 'PAID' | 'OPEN' | 'DRAFT',
          currency,
          totalMinor,
          issueDate: isDraft ? null : issued.toISOString().slice(0, 10),
          dueDate: isDraft ? null : due.toISOString().slice(0, 10),
          createdAt: issued,
        };
      });
      await importIssuedInvoices(tx, firmId, invoices);
      const documentCount = Math.floor(random() * 7);
      await insertDocuments(
        tx,
        Array.from({ length: documentCount }, (_, n) => {
          const [kind, contentType] = DOCUMENT_KINDS[n % DOCUMENT_KINDS.length]!;
          const extension =
            contentType === 'application/pdf'
              ? 'pdf'
              : contentType === 'text/csv'
                ? 'csv'
                : contentType.includes('sheet')
                  ? 'xlsx'
                  : 'docx';
          return {
            firmId,
            id: newId(),
            clientId: client.id,
            filename: `${kind} ${2025 + (n % 2)}.${extension}`,
            contentType,
            sizeBytes: 20_000 + Math.floor(random() * 2_000_000),
          };
        }),
      );
    }
    const people = [{ ...DEMO_OWNER, role: 'OWNER' as const }, ...DEMO_STAFF].map((person, i) => ({
      id: userIds[i]!,
      role: person.role,
    }));
    await seedDemoTime(tx, { firmId, people, clients, today: new Date() });
  });
  return { created: true, firmId };
}

/** A demo client as the time seed needs it. */
interface DemoClient {
  id: string;
  name: string;
  currency: string;
}

/** The demo firm's services: name and billing type; the engagement kinds below name them. */
const DEMO_SERVICES = [
  ['Tax return preparation', 'FIXED_FEE'],
  ['Advisory', 'HOURLY'],
  ['Bookkeeping', 'HOURLY'],
  ['Payroll', 'HOURLY'],
  ['Audit support', 'HOURLY'],
  ['Internal', 'NON_BILLABLE'],
] as const;

/** Engagement kinds: the code suffix, the name's ending and the service most of its time is on. */
const ENGAGEMENT_KINDS = [
  ['TAX', '2026 tax return', 'Tax return preparation'],
  ['ADV', 'advisory retainer', 'Advisory'],
  ['BKP', 'monthly bookkeeping', 'Bookkeeping'],
  ['PAY', 'payroll', 'Payroll'],
  ['AUD', 'audit support', 'Audit support'],
] as const;

/** FIRM_ROLE hourly rates in minor units, per currency the demo clients bill in. */
const ROLE_RATES: Record<string, Record<RoleValue, bigint>> = {
  USD: { OWNER: 35_000n, ADMIN: 27_500n, MANAGER: 22_500n, STAFF: 15_000n },
  EUR: { OWNER: 32_000n, ADMIN: 25_000n, MANAGER: 21_000n, STAFF: 14_000n },
  GBP: { OWNER: 28_000n, ADMIN: 22_000n, MANAGER: 18_000n, STAFF: 12_000n },
};

const REJECTION_REASONS = [
  'Wrong engagement: this was the payroll run, not bookkeeping.',
  'Please split the call from the review work and add a description.',
  'Duplicate of the entry the day before.',
];

const DAY_MS = 86_400_000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The demo firm's engagements and time: 40 engagements over the 25 clients (two each for the first
 * fifteen) with their teams, the service catalogue, a rate card (a FIRM_ROLE rate per role in each
 * client currency, a STAFF_STANDARD, a CLIENT_STAFF and an ENGAGEMENT_SERVICE override, and a role
 * rate that changes 45 days before `today`), weekly capacities, the firm's time settings, and 13
 * weeks of weekday time up to `today`: older time BILLED or APPROVED (WIP in every aging bucket),
 * the last weeks APPROVED, SUBMITTED (the approval queue), a few REJECTED with reasons, and this
 * week's DRAFTs. Approved and billed entries carry the snapshot rate resolution gives
 * (`resolveRate`, `valueOfMinutes` of subgraphs/billing/rates/rate-resolution.ts). Deterministic
 * but for the dates, which follow `today`.
 */
async function seedDemoTime(
  tx: Tx,
  {
    firmId,
    people,
    clients,
    today,
  }: { firmId: string; people: { id: string; role: RoleValue }[]; clients: DemoClient[]; today: Date },
): Promise<void> {
  const random = prng(4711);
  const [owner, admin, manager, ...staff] = people as [
    (typeof people)[0],
    (typeof people)[0],
    (typeof people)[0],
    ...typeof people,
  ];
  const todayMs = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  await tx.insert(firmTimeSettings).values({ firmId, timeZone: 'America/New_York', timeRounding: 'UP_TO_6_MINUTES' });
  const serviceIds = new Map<string, string>();
  await tx.insert(services).values(
    DEMO_SERVICES.map(([name, billingType]) => {
      const id = newId();
      serviceIds.set(name, id);
      return { firmId, id, name, billingType };
    }),
  );
  const billingTypeOf = new Map<string, string>(DEMO_SERVICES.map(([name, type]) => [serviceIds.get(name)!, type]));

  const demoEngagements = clients.flatMap((client, index) =>
    (index < 15 ? [index % 5, (index + 2) % 5] : [index % 5]).map((kind, n) => {
      const [suffix, label, service] = ENGAGEMENT_KINDS[kind]!;
      const prefix = client.name
        .split(' ')[0]!
        .toUpperCase()
        .replace(/[^A-Z0-9]/g, '');
      const status: EngagementStatusValue =
        index === 24 ? 'DRAFT' : (index + n) % 11 === 7 ? 'COMPLETED' : (index + n) % 13 === 9 ? 'ON_HOLD' : 'ACTIVE';
      const lead = [owner, admin, manager][(index + n) % 3]!;
      const team = [lead, ...staff.filter((_, s) => (index + s + n) % 3 !== 0)];
      if (lead !== manager && random() < 0.4) team.push(manager);
      return {
        id: newId(),
        client,
        code: `${prefix}-2026-${suffix}`,
        name: `${client.name}: ${label}`,
        status,
        serviceId: serviceIds.get(service)!,
        managerUserId: lead.id,
        team: [...new Set(team)],
      };
    }),
  );
  await tx.insert(engagements).values(
    demoEngagements.map((e) => ({
      firmId,
      id: e.id,
      clientId: e.client.id,
      name: e.name,
      code: e.code,
      status: e.status,
      startDate: isoDate(todayMs - 120 * DAY_MS),
      endDate: e.status === 'COMPLETED' ? isoDate(todayMs - 20 * DAY_MS) : null,
      managerUserId: e.managerUserId,
    })),
  );
  await tx
    .insert(engagementTeamMembers)
    .values(
      demoEngagements.flatMap((e) => e.team.map((member) => ({ firmId, engagementId: e.id, userId: member.id }))),
    );

  const since = isoDate(todayMs - 400 * DAY_MS);
  const card = (values: Partial<RateRow> & Pick<RateRow, 'source' | 'currency' | 'hourlyMinor'>) => ({
    firmId,
    id: newId(),
    engagementId: null,
    clientId: null,
    userId: null,
    serviceId: null,
    role: null,
    effectiveFrom: since,
    ...values,
  });
  const eurEngagement =
    demoEngagements.find((e) => e.code === 'KESTREL-2026-AUD') ??
    demoEngagements.find((e) => e.client.currency === 'EUR')!;
  const cards = [
    ...Object.entries(ROLE_RATES).flatMap(([currency, byRole]) =>
      Object.entries(byRole).map(([role, hourlyMinor]) => card({ source: 'FIRM_ROLE', role, currency, hourlyMinor })),
    ),
    // The STAFF role rate rises 45 days before today: older time keeps the old rate.
    card({
      source: 'FIRM_ROLE',
      role: 'STAFF',
      currency: 'USD',
      hourlyMinor: 16_000n,
      effectiveFrom: isoDate(todayMs - 45 * DAY_MS),
    }),
    card({ source: 'STAFF_STANDARD', userId: staff[1]!.id, currency: 'USD', hourlyMinor: 16_500n }),
    card({
      source: 'CLIENT_STAFF',
      clientId: clients[0]!.id,
      userId: manager.id,
      currency: 'USD',
      hourlyMinor: 19_500n,
    }),
    card({
      source: 'ENGAGEMENT_SERVICE',
      engagementId: eurEngagement.id,
      serviceId: eurEngagement.serviceId,
      currency: eurEngagement.client.currency,
      hourlyMinor: 18_000n,
    }),
  ];
  await tx.insert(rates).values(cards);
  await tx.insert(staffCapacities).values(
    [
      [owner, 1800],
      [admin, 2250],
      [staff[0]!, 2400],
      [staff[1]!, 1440],
    ].map(([person, weeklyMinutes]) => ({
      firmId,
      userId: (person as { id: string }).id,
      weeklyMinutes: weeklyMinutes as number,
    })),
  );

  const active = demoEngagements.filter((e) => e.status === 'ACTIVE');
  const roleOf = new Map(people.map((person) => [person.id, person.role]));
  const entries: (typeof timeEntries.$inferInsert)[] = [];
  for (let age = 90; age >= 0; age -= 1) {
    const dayMs = todayMs - age * DAY_MS;
    const weekday = new Date(dayMs).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    const workDate = isoDate(dayMs);
    for (const person of people) {
      const mine = active.filter((e) => e.team.some((member) => member.id === person.id));
      const count = person.role === 'OWNER' ? 1 + Math.floor(random() * 2) : 2 + Math.floor(random() * 3);
      for (let n = 0; n < count; n += 1) {
        const internal = random() < 0.12 || mine.length === 0;
        const engagement = internal
          ? active[Math.floor(random() * active.length)]!
          : mine[Math.floor(random() * mine.length)]!;
        const serviceId = internal ? serviceIds.get('Internal')! : engagement.serviceId;
        const billable = billingTypeOf.get(serviceId) !== 'NON_BILLABLE';
        const minutes = 6 * (5 + Math.floor(random() * 36));
        const roll = random();
        const status: TimeEntryStatusValue =
          age > 45
            ? roll < 0.6
              ? 'BILLED'
              : 'APPROVED'
            : age > 14
              ? roll < 0.88
                ? 'APPROVED'
                : roll < 0.94
                  ? 'SUBMITTED'
                  : 'REJECTED'
              : age > 6
                ? roll < 0.4
                  ? 'APPROVED'
                  : roll < 0.95
                    ? 'SUBMITTED'
                    : 'REJECTED'
                : roll < 0.6
                  ? 'DRAFT'
                  : 'SUBMITTED';
        const recordedAt = new Date(Math.min(dayMs + 18 * 3_600_000, today.getTime()));
        const submitted = status !== 'DRAFT';
        const decidedAt = new Date(Math.min(dayMs + 3 * DAY_MS, today.getTime()));
        const approver = person.id === manager.id ? owner : manager;
        const approved = status === 'APPROVED' || status === 'BILLED';
        let snapshot: Pick<
          typeof timeEntries.$inferInsert,
          'rateId' | 'rateSource' | 'rateHourlyMinor' | 'valueMinor'
        > = {};
        if (approved && billable) {
          const rate = resolveRate(cards, {
            engagementId: engagement.id,
            clientId: engagement.client.id,
            userId: person.id,
            role: roleOf.get(person.id)!,
            serviceId,
            currency: engagement.client.currency,
            workDate,
          });
          if (!rate) throw new Error(`the demo rate card prices no time on ${engagement.code}`);
          snapshot = {
            rateId: rate.id,
            rateSource: rate.source,
            rateHourlyMinor: rate.hourlyMinor,
            valueMinor: valueOfMinutes(minutes, rate.hourlyMinor),
          };
        } else if (approved) snapshot = { valueMinor: 0n };
        entries.push({
          firmId,
          id: newId(),
          userId: person.id,
          engagementId: engagement.id,
          clientId: engagement.client.id,
          serviceId,
          workDate,
          minutes,
          description: internal ? 'Team meeting and training' : `${engagement.name}: work session`,
          billable,
          currency: engagement.client.currency,
          status,
          createdById: person.id,
          createdAt: recordedAt,
          updatedAt: recordedAt,
          submittedAt: submitted ? recordedAt : null,
          submittedById: submitted ? person.id : null,
          approvedAt: approved ? decidedAt : null,
          approvedById: approved ? approver.id : null,
          rejectedAt: status === 'REJECTED' ? decidedAt : null,
          rejectedById: status === 'REJECTED' ? approver.id : null,
          rejectionReason: status === 'REJECTED' ? REJECTION_REASONS[entries.length % REJECTION_REASONS.length]! : null,
          ...snapshot,
        });
      }
    }
  }
  for (let at = 0; at < entries.length; at += 500) await tx.insert(timeEntries).values(entries.slice(at, at + 500));
}
