/**
 * The fixed data the engine-ceiling subgraphs answer with, and the check that the Dashboard
 * answer through the gateway has the real one's shape and size.
 *
 * The values are those the product answered for the Dashboard of the largest `seed:large` firm at
 * scale 1 (owner `owner@bench-01.bench.firmgraph.test`, captured on 2026-11-21): the same names,
 * balances, currencies and counts, so its `data` is the real one's 3,177 bytes (the product's answer
adds 262 bytes of rate-limit `extensions.cost`, which is ours, not the engine's). Ids are fixed
 * UUIDv7-shaped strings, as long as the real ones, since they travel between gateway and subgraphs.
 */
import type { GraphQLResolverMap } from '@apollo/subgraph';
import { money } from '../../../platform/money.ts';
import type { SubgraphName } from '../../../platform/subgraph-names.ts';

/** One Dashboard row: the client (crm), its balance in integer minor units and its invoice count (billing), its document count (documents). */
interface ClientRow {
  name: string;
  balanceMinor: bigint;
  currency: string;
  invoices: number;
  documents: number;
}

const ROWS: ClientRow[] = [
  { name: 'Alder Bridge Architecture 4933', balanceMinor: 1064457n, currency: 'USD', invoices: 7, documents: 17 },
  { name: 'Alder Bridge Brewing Co. 137', balanceMinor: 0n, currency: 'USD', invoices: 6, documents: 15 },
  { name: 'Alder Bridge Brewing Co. 1582', balanceMinor: 0n, currency: 'USD', invoices: 2, documents: 4 },
  { name: 'Alder Bridge Nonprofit 2390', balanceMinor: 794232n, currency: 'USD', invoices: 4, documents: 10 },
  { name: 'Alder Bridge Nonprofit 3451', balanceMinor: 0n, currency: 'USD', invoices: 2, documents: 4 },
  { name: 'Alder Bridge Physical Therapy 3449', balanceMinor: 0n, currency: 'USD', invoices: 1, documents: 3 },
  { name: 'Alder Bridge Physical Therapy 3968', balanceMinor: 0n, currency: 'USD', invoices: 3, documents: 8 },
  { name: 'Alder Bridge Seafood Ltd 786', balanceMinor: 0n, currency: 'USD', invoices: 2, documents: 6 },
  { name: 'Alder Bridge Surveying 22', balanceMinor: 0n, currency: 'USD', invoices: 1, documents: 3 },
  { name: 'Alder Bridge Veterinary Clinic 3814', balanceMinor: 0n, currency: 'USD', invoices: 1, documents: 2 },
  { name: 'Alder Brook Analytics Inc. 3993', balanceMinor: 0n, currency: 'GBP', invoices: 1, documents: 3 },
  { name: 'Alder Brook Bakery 4436', balanceMinor: 0n, currency: 'USD', invoices: 3, documents: 7 },
  { name: 'Alder Brook Bakery 806', balanceMinor: 101087n, currency: 'USD', invoices: 2, documents: 4 },
  { name: 'Alder Brook Family Law 1848', balanceMinor: 1914507n, currency: 'USD', invoices: 1, documents: 2 },
  { name: 'Alder Brook Manufacturing 187', balanceMinor: 0n, currency: 'USD', invoices: 2, documents: 4 },
  { name: 'Alder Brook Nonprofit 2450', balanceMinor: 0n, currency: 'USD', invoices: 3, documents: 6 },
  { name: 'Alder Brook Nonprofit 4691', balanceMinor: 0n, currency: 'USD', invoices: 2, documents: 4 },
  { name: 'Alder Brook Property Management 3353', balanceMinor: 0n, currency: 'USD', invoices: 1, documents: 3 },
  { name: 'Alder Brook Surveying 1361', balanceMinor: 33241n, currency: 'USD', invoices: 3, documents: 7 },
  { name: 'Alder Brook Surveying 3313', balanceMinor: 0n, currency: 'USD', invoices: 2, documents: 4 },
];

/** The firm's client count (`clients.totalCount`) in the captured answer. */
const FIRM_CLIENT_COUNT = 4589;

const uuid = (kind: number, index: number) =>
  `019a8f3c-${String(kind).padStart(4, '0')}-7000-8000-${String(index).padStart(12, '0')}`;

const user = { id: uuid(1, 1), name: 'Kofi Mensah' };
const firm = { id: uuid(2, 1), name: 'Iverson Ashford Accounting' };

/** Each client as the subgraphs hand it out, every field computed once at start-up (Money through the product's `money`). */
const clients = ROWS.map((row, index) => ({
  id: uuid(3, index + 1),
  name: row.name,
  currency: row.currency,
  balance: money(row.balanceMinor, row.currency),
  invoices: { totalCount: row.invoices },
  documents: { totalCount: row.documents },
}));
type FixtureClient = (typeof clients)[number];
const clientsById = new Map(clients.map((client) => [client.id, client]));

/** An entity reference's client, or null (what a subgraph answers for an id it does not know). */
function clientOf(reference: { id: string }): FixtureClient | null {
  return clientsById.get(reference.id) ?? null;
}

/** A page of `first` clients (20 when absent, as the product's default page). */
function clientPage(first: number | null | undefined) {
  return { totalCount: FIRM_CLIENT_COUNT, edges: clients.slice(0, first ?? 20).map((node) => ({ node })) };
}

/**
 * Each subgraph's resolvers over the fixed data: exactly what the Dashboard's query plan asks of
 * it (the root `me` from tenancy, `Firm.clients` from crm, `Client` entities from billing and
 * documents). No database, no signed context, no graphql-shield, no DataLoader; every other field
 * of the SDL resolves to null or fails, which the Dashboard never reaches.
 */
export const CEILING_RESOLVERS: Record<SubgraphName, GraphQLResolverMap<unknown>> = {
  tenancy: {
    Query: { me: () => ({ user, activeFirm: firm }) },
    Firm: { __resolveReference: (reference: { id: string }) => (reference.id === firm.id ? firm : null) },
  },
  crm: {
    Firm: {
      __resolveReference: (reference: { id: string }) => (reference.id === firm.id ? firm : null),
      clients: (_firm: unknown, args: { first?: number | null }) => clientPage(args.first),
    },
    Client: { __resolveReference: clientOf },
  },
  billing: {
    Client: {
      __resolveReference: clientOf,
      invoices: (client: FixtureClient) => client.invoices,
    },
  },
  documents: {
    Client: {
      __resolveReference: clientOf,
      documents: (client: FixtureClient) => client.documents,
    },
  },
};

/** The Dashboard's `data` the gateway must answer with, built from the same rows. */
export function expectedDashboardData(): unknown {
  return {
    me: {
      user: { name: user.name },
      activeFirm: {
        name: firm.name,
        clients: {
          totalCount: FIRM_CLIENT_COUNT,
          edges: clients.map((client) => ({
            node: {
              name: client.name,
              balance: client.balance,
              invoices: client.invoices,
              documents: client.documents,
            },
          })),
        },
      },
    },
  };
}
