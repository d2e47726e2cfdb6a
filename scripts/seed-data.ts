import type { Database } from '../db/client.ts';
import type { RoleValue } from '../db/schema/tenancy.ts';
import { insertInvoices } from '../subgraphs/billing/invoices/invoice-store.ts';
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
          firmId,
          id: newId(),
          clientId: client.id,
          number: isDraft ? null : `INV-2026-${String(++invoiceNumber).padStart(4, '0')}`,
          status: status as 'PAID' | 'OPEN' | 'DRAFT',
          currency,
          totalMinor,
          amountPaidMinor: status === 'PAID' ? totalMinor : 0n,
          issueDate: isDraft ? null : issued.toISOString().slice(0, 10),
          dueDate: isDraft ? null : due.toISOString().slice(0, 10),
          createdAt: issued,
        };
      });
      await insertInvoices(tx, invoices);
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
  });
  return { created: true, firmId };
}
