/**
 * The GraphQL operations the scenarios drive, and how one answer is checked before any load.
 * Each mirrors a screen of the staff app or the client portal (or a write it makes).
 */
import { LARGE_SEED_PASSWORD } from '../seed-large/plan.ts';
import type { GraphQLResponse } from './bench-stack.ts';

/** A request body and the check its answer must pass before it is measured. */
export interface BenchOperation {
  /** Short name for the report. */
  name: string;
  body: { query: string; operationName: string; variables?: Record<string, unknown> };
  /** @returns a description of what is wrong with the answer, or null when it is as expected. */
  check(response: GraphQLResponse<unknown>): string | null;
  /**
   * For writes that must differ request by request (each submits another entry): every request
   * replaces `placeholder` in the serialized body with the next unused value of `values`, in the
   * bench process (`nextBody`) and then in the load generator, which gets only the values left.
   */
  variant?: BodyVariant;
}

/** The values a varying operation's requests take in turn; `used` counts those already sent. */
interface BodyVariant {
  placeholder: string;
  values: readonly string[];
  used: number;
}

/**
 * The body of an operation's next request: `body` itself, or for a varying operation its body with
 * the next unused value (`BodyVariant`).
 * @throws Error when a varying operation has used every value.
 */
export function nextBody(operation: BenchOperation): BenchOperation['body'] {
  const variant = operation.variant;
  if (!variant) return operation.body;
  const value = variant.values[variant.used];
  if (value === undefined) throw new Error(`${operation.name}: all ${variant.values.length} values are used`);
  variant.used += 1;
  return JSON.parse(JSON.stringify(operation.body).replaceAll(variant.placeholder, value)) as BenchOperation['body'];
}

/** The staff Dashboard (the foundation's query): the firm, its first 20 clients with balance and counts. */
export const DASHBOARD_QUERY = /* GraphQL */ `
  query Dashboard {
    me {
      user {
        name
      }
      activeFirm {
        name
        clients(first: 20) {
          totalCount
          edges {
            node {
              name
              balance {
                amount
                currency
              }
              invoices(first: 5) {
                totalCount
              }
              documents(first: 5) {
                totalCount
              }
            }
          }
        }
      }
    }
  }
`;

const CLIENT_DETAIL_QUERY = /* GraphQL */ `
  query ClientDetail($id: ID!) {
    me {
      user {
        name
      }
      activeFirm {
        name
      }
    }
    client(id: $id) {
      id
      name
      email
      phone
      website
      currency
      status
      createdAt
      balance {
        amount
        currency
      }
      invoices(first: 20) {
        totalCount
        edges {
          node {
            id
            number
            status
            issueDate
            dueDate
            total {
              amount
              currency
            }
            amountDue {
              amount
              currency
            }
          }
        }
      }
      documents(first: 20) {
        totalCount
        edges {
          node {
            id
            filename
            contentType
            sizeBytes
            createdAt
          }
        }
      }
    }
  }
`;

const CLIENT_LIST_QUERY = /* GraphQL */ `
  query ClientList($first: Int!, $search: String) {
    clients(first: $first, search: $search) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          id
          name
          email
          status
          currency
          balance {
            amount
            currency
          }
        }
      }
    }
  }
`;

const CLIENT_NAME_QUERY = /* GraphQL */ `
  query ClientName($id: ID!) {
    client(id: $id) {
      id
      name
      email
      status
    }
  }
`;

const CREATE_CLIENT = /* GraphQL */ `
  mutation CreateClient($input: CreateClientInput!) {
    createClient(input: $input) {
      client {
        id
        name
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

const UPDATE_CLIENT = /* GraphQL */ `
  mutation UpdateClient($input: UpdateClientInput!) {
    updateClient(input: $input) {
      client {
        id
        name
        updatedAt
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

const LOG_IN = /* GraphQL */ `
  mutation LogIn($input: LogInInput!) {
    logIn(input: $input) {
      session {
        accessToken
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

const LOG_IN_PORTAL = /* GraphQL */ `
  mutation LogInPortal($input: LogInPortalInput!) {
    logInPortal(input: $input) {
      session {
        accessToken
        portalUser {
          id
        }
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

/**
 * What a portal client sees on landing, as far as the schema lets a portal session read: each
 * client account it reaches with the balance and unread count, the 5 latest invoices and
 * documents, and the 10 most recently active message threads with their unread counts and last
 * message (the author's name for staff; for a portal user only its id, since one portal user may
 * not read another's name).
 */
export const PORTAL_HOME_QUERY = /* GraphQL */ `
  query PortalHome {
    portalViewer {
      name
      portalUser {
        id
        email
      }
      clients {
        id
        name
        currency
        balance {
          amount
          currency
        }
        unreadMessageCount
        invoices(first: 5) {
          totalCount
          edges {
            node {
              id
              number
              status
              issueDate
              dueDate
              total {
                amount
                currency
              }
              amountDue {
                amount
                currency
              }
            }
          }
        }
        documents(first: 5) {
          totalCount
          edges {
            node {
              id
              filename
              contentType
              sizeBytes
              createdAt
            }
          }
        }
        messageThreads(first: 10) {
          edges {
            node {
              id
              subject
              lastMessageAt
              unreadCount
              lastMessage {
                id
                body
                format
                sentAt
                deletedAt
                author {
                  __typename
                  ... on User {
                    id
                    name
                  }
                  ... on PortalUser {
                    id
                  }
                }
              }
            }
          }
        }
      }
    }
  }
`;

/** Search term of the client list: a substring of many seeded names and emails ("Harbor", "Quarry", "Cedar"...). */
export const CLIENT_SEARCH = 'ar';

type Data = Record<string, unknown> | null | undefined;

/** The value at a dotted path of `data`, or undefined. */
function at(data: Data, path: string): unknown {
  let value: unknown = data;
  for (const key of path.split('.'))
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

function errorsOf(response: GraphQLResponse<unknown>): string | null {
  return response.errors ? `errors: ${JSON.stringify(response.errors).slice(0, 500)}` : null;
}

/** Checks that the list at `path` of `data` (an answer's, or part of it) has exactly `length` items. */
function expectLength(data: Data, path: string, length: number): string | null {
  const list = at(data, path);
  return Array.isArray(list) && list.length === length
    ? null
    : `expected ${length} items at ${path}, got ${JSON.stringify(list)?.slice(0, 200)}`;
}

/** The Dashboard; its answer must have 20 client edges. */
export function dashboard(): BenchOperation {
  return {
    name: 'Dashboard',
    body: { query: DASHBOARD_QUERY, operationName: 'Dashboard' },
    check: (response) => errorsOf(response) ?? expectLength(response.data as Data, 'me.activeFirm.clients.edges', 20),
  };
}

/** One client's page across all four subgraphs: the firm (tenancy), the client (crm), 20 invoices and balance (billing), 20 documents. */
export function clientDetail(clientId: string): BenchOperation {
  return {
    name: 'ClientDetail',
    body: { query: CLIENT_DETAIL_QUERY, operationName: 'ClientDetail', variables: { id: clientId } },
    check: (response) =>
      errorsOf(response) ??
      expectLength(response.data as Data, 'client.invoices.edges', 20) ??
      expectLength(response.data as Data, 'client.documents.edges', 20),
  };
}

/** A client list page of `first` rows matching `CLIENT_SEARCH`, each with its balance (billing). */
export function clientList(first: number): BenchOperation {
  return {
    name: `ClientList(first: ${first})`,
    body: { query: CLIENT_LIST_QUERY, operationName: 'ClientList', variables: { first, search: CLIENT_SEARCH } },
    check: (response) => errorsOf(response) ?? expectLength(response.data as Data, 'clients.edges', first),
  };
}

/** A one-subgraph query (crm only): what the gateway-overhead scenario sends both ways. */
export function clientName(clientId: string): BenchOperation {
  return {
    name: 'ClientName',
    body: { query: CLIENT_NAME_QUERY, operationName: 'ClientName', variables: { id: clientId } },
    check: (response) =>
      errorsOf(response) ?? (at(response.data as Data, 'client.id') === clientId ? null : 'client not found'),
  };
}

function noUserErrors(field: string) {
  return (response: GraphQLResponse<unknown>) => {
    const problem = errorsOf(response);
    if (problem) return problem;
    const userErrors = at(response.data as Data, `${field}.userErrors`);
    return Array.isArray(userErrors) && userErrors.length === 0
      ? null
      : `${field} userErrors: ${JSON.stringify(userErrors)}`;
  };
}

/** Creates a client (each request a new one). */
export function createClient(): BenchOperation {
  return {
    name: 'createClient',
    body: {
      query: CREATE_CLIENT,
      operationName: 'CreateClient',
      variables: { input: { name: 'Write Mix Client', email: 'accounts@writemix.example', currency: 'USD' } },
    },
    check: noUserErrors('createClient'),
  };
}

/** Changes one client's phone number. */
export function updateClient(clientId: string): BenchOperation {
  return {
    name: 'updateClient',
    body: {
      query: UPDATE_CLIENT,
      operationName: 'UpdateClient',
      variables: { input: { id: clientId, phone: '+1 555 0199' } },
    },
    check: noUserErrors('updateClient'),
  };
}

/** Logs in with email and the seeded password (argon2id verification, a new session). */
export function logIn(email: string): BenchOperation {
  return {
    name: 'logIn',
    body: { query: LOG_IN, operationName: 'LogIn', variables: { input: { email, password: LARGE_SEED_PASSWORD } } },
    check: (response) =>
      errorsOf(response) ??
      (typeof at(response.data as Data, 'logIn.session.accessToken') === 'string'
        ? null
        : `no session: ${JSON.stringify(response.data)}`),
  };
}

/** Logs a portal user in with firm code, email and the seeded password (argon2id verification, a new portal session). */
export function logInPortal(firmSlug: string, email: string): BenchOperation {
  return {
    name: 'logInPortal',
    body: {
      query: LOG_IN_PORTAL,
      operationName: 'LogInPortal',
      variables: { input: { firmSlug, email, password: LARGE_SEED_PASSWORD } },
    },
    check: (response) =>
      errorsOf(response) ??
      (typeof at(response.data as Data, 'logInPortal.session.accessToken') === 'string'
        ? null
        : `no portal session: ${JSON.stringify(response.data)}`),
  };
}

/** What the portal home must show of one client account: counts straight from the database. */
export interface PortalHomeClient {
  id: string;
  invoices: number;
  documents: number;
  threads: number;
}

/**
 * The portal home (`PORTAL_HOME_QUERY`) of a portal user who reaches exactly `clients`: its answer
 * must list those accounts, each with its invoice and document totals, and full pages (5, 5 and
 * 10, or all there are) of invoices, documents and threads, each thread with its last message.
 */
export function portalHome(clients: PortalHomeClient[]): BenchOperation {
  return {
    name: 'PortalHome',
    body: { query: PORTAL_HOME_QUERY, operationName: 'PortalHome' },
    check: (response) => {
      const problem = errorsOf(response);
      if (problem) return problem;
      const seen = at(response.data as Data, 'portalViewer.clients');
      if (!Array.isArray(seen) || seen.length !== clients.length)
        return `expected ${clients.length} clients, got ${JSON.stringify(seen)?.slice(0, 200)}`;
      for (const expected of clients) {
        const client = (seen as Data[]).find((each) => at(each, 'id') === expected.id);
        if (!client) return `client ${expected.id} missing from portalViewer.clients`;
        if (
          at(client, 'invoices.totalCount') !== expected.invoices ||
          at(client, 'documents.totalCount') !== expected.documents
        ) {
          return `client ${expected.id}: expected ${expected.invoices} invoices and ${expected.documents} documents, got ${at(client, 'invoices.totalCount')} and ${at(client, 'documents.totalCount')}`;
        }
        const problem =
          expectLength(client, 'invoices.edges', Math.min(5, expected.invoices)) ??
          expectLength(client, 'documents.edges', Math.min(5, expected.documents)) ??
          expectLength(client, 'messageThreads.edges', Math.min(10, expected.threads));
        if (problem) return `client ${expected.id}: ${problem}`;
        const threads = at(client, 'messageThreads.edges') as Data[];
        if (
          threads.some(
            (edge) =>
              typeof at(edge, 'node.lastMessage.id') !== 'string' || typeof at(edge, 'node.unreadCount') !== 'number',
          )
        ) {
          return `client ${expected.id}: a thread without its last message or unread count`;
        }
        if (typeof at(client, 'unreadMessageCount') !== 'number' || typeof at(client, 'balance.amount') !== 'string')
          return `client ${expected.id}: no unread count or balance`;
      }
      return null;
    },
  };
}

const CREATE_TIME_ENTRY = /* GraphQL */ `
  mutation CreateTimeEntry($input: CreateTimeEntryInput!) {
    createTimeEntry(input: $input) {
      timeEntry {
        id
        status
      }
      userErrors {
        field
        code
      }
    }
  }
`;

const SUBMIT_TIME_ENTRIES = /* GraphQL */ `
  mutation SubmitTimeEntries($input: SubmitTimeEntriesInput!) {
    submitTimeEntries(input: $input) {
      timeEntries {
        id
        status
      }
      userErrors {
        field
        code
      }
    }
  }
`;

/** The approval queue page: SUBMITTED entries with names from billing, crm and tenancy. */
const APPROVAL_QUEUE_QUERY = /* GraphQL */ `
  query ApprovalQueue($first: Int!) {
    me {
      activeFirm {
        timeEntries(first: $first, filter: { status: SUBMITTED }) {
          totalCount
          edges {
            node {
              id
              workDate
              minutes
              description
              user {
                id
                name
              }
              service {
                name
              }
              engagement {
                code
                name
                client {
                  name
                }
              }
            }
          }
        }
      }
    }
  }
`;

/** Records one minute of time on `engagementId`, each request on the next of `workDates`. */
export function createTimeEntry(engagementId: string, serviceId: string, workDates: readonly string[]): BenchOperation {
  return {
    name: 'createTimeEntry',
    body: {
      query: CREATE_TIME_ENTRY,
      operationName: 'CreateTimeEntry',
      variables: { input: { engagementId, serviceId, workDate: '__WORK_DATE__', minutes: 1, description: 'Bench' } },
    },
    check: noUserErrors('createTimeEntry'),
    variant: { placeholder: '__WORK_DATE__', values: workDates, used: 0 },
  };
}

/** Submits one draft, each request the next of `draftIds`. */
export function submitTimeEntry(draftIds: readonly string[]): BenchOperation {
  return {
    name: 'submitTimeEntries',
    body: {
      query: SUBMIT_TIME_ENTRIES,
      operationName: 'SubmitTimeEntries',
      variables: { input: { ids: ['__DRAFT_ID__'] } },
    },
    check: noUserErrors('submitTimeEntries'),
    variant: { placeholder: '__DRAFT_ID__', values: draftIds, used: 0 },
  };
}

/** The approval queue's first `first` SUBMITTED entries. */
export function approvalQueue(first: number): BenchOperation {
  return {
    name: `ApprovalQueue(first: ${first})`,
    body: { query: APPROVAL_QUEUE_QUERY, operationName: 'ApprovalQueue', variables: { first } },
    check: (response) =>
      errorsOf(response) ?? expectLength(response.data as Data, 'me.activeFirm.timeEntries.edges', first),
  };
}

const WIP_AMOUNT = 'minutes value { amount currency }';
const WIP_AGING = `aging { days0To30 { ${WIP_AMOUNT} } days31To60 { ${WIP_AMOUNT} } days61To90 { ${WIP_AMOUNT} } over90Days { ${WIP_AMOUNT} } }`;

/** The WIP report screen: a page of rows (with each group's entity id) and the firm's totals. */
export const WIP_REPORT_QUERY = /* GraphQL */ `
  query WipReport($asOf: Date!, $groupBy: WipGrouping!) {
    wipReport(asOf: $asOf, groupBy: $groupBy) {
      rows(first: 20) {
        edges { cursor node { client { id } engagement { id } staff { id } currency ${WIP_AMOUNT} ${WIP_AGING} } }
        pageInfo { hasNextPage endCursor }
      }
      totals { currency ${WIP_AMOUNT} ${WIP_AGING} }
    }
  }
`;

/** The same page of rows without the totals. */
const WIP_ROWS_QUERY = WIP_REPORT_QUERY.replace(/totals \{[^\n]*\n/, '').replace('query WipReport', 'query WipRows');

/** `wipReport(asOf, groupBy)`, with the totals or only a page of rows: the answer must have rows (and totals). */
export function wipReport(
  asOf: string,
  groupBy: 'CLIENT' | 'ENGAGEMENT' | 'STAFF' | 'SERVICE',
  withTotals = true,
): BenchOperation {
  return {
    name: `WipReport(${groupBy}${withTotals ? '' : ', rows only'})`,
    body: {
      query: withTotals ? WIP_REPORT_QUERY : WIP_ROWS_QUERY,
      operationName: withTotals ? 'WipReport' : 'WipRows',
      variables: { asOf, groupBy },
    },
    check: (response) => {
      const problem = errorsOf(response);
      if (problem) return problem;
      const rows = at(response.data as Data, 'wipReport.rows.edges');
      const totals = at(response.data as Data, 'wipReport.totals');
      return Array.isArray(rows) && rows.length > 0 && (!withTotals || (Array.isArray(totals) && totals.length > 0))
        ? null
        : 'the WIP report is empty';
    },
  };
}

/** The utilization screen: every staff member's minutes and capacity over a period. */
export const UTILIZATION_QUERY = /* GraphQL */ `
  query Utilization($from: Date!, $to: Date!) {
    utilizationReport(from: $from, to: $to) {
      weekdays
      rows {
        staff {
          id
        }
        weeklyCapacityMinutes
        capacityMinutes
        billableMinutes
        recordedMinutes
        utilizationBasisPoints
      }
    }
  }
`;

/** `utilizationReport(from, to)`: the answer must have at least `minRows` rows. */
export function utilizationReport(from: string, to: string, minRows: number): BenchOperation {
  return {
    name: 'Utilization',
    body: { query: UTILIZATION_QUERY, operationName: 'Utilization', variables: { from, to } },
    check: (response) => {
      const problem = errorsOf(response);
      if (problem) return problem;
      const rows = at(response.data as Data, 'utilizationReport.rows');
      return Array.isArray(rows) && rows.length >= minRows ? null : `expected ${minRows}+ utilization rows`;
    },
  };
}

const AGING_AMOUNTS =
  'currency current { amount } days1To30 { amount } days31To60 { amount } days61To90 { amount } over90Days { amount } total { amount }';

/** The AR aging screen: a page of 20 client rows and the firm's totals. */
export const AR_AGING_QUERY = /* GraphQL */ `
  query ArAging($asOf: Date!) {
    arAging(asOf: $asOf, first: 20) {
      rows { edges { cursor node { client { id } amounts { ${AGING_AMOUNTS} } } } pageInfo { hasNextPage endCursor } }
      totals { ${AGING_AMOUNTS} }
    }
  }
`;

/** `arAging(asOf)` with 20 rows and the totals: the answer must have both. */
export function arAging(asOf: string): BenchOperation {
  return {
    name: 'ArAging',
    body: { query: AR_AGING_QUERY, operationName: 'ArAging', variables: { asOf } },
    check: (response) => {
      const problem = errorsOf(response);
      if (problem) return problem;
      const rows = at(response.data as Data, 'arAging.rows.edges');
      const totals = at(response.data as Data, 'arAging.totals');
      return Array.isArray(rows) && rows.length > 0 && Array.isArray(totals) && totals.length > 0
        ? null
        : 'the AR aging is empty';
    },
  };
}

/** The trial balance as of a date (the ledger module's `trialBalance(asOf)`): every account's balance and the totals. */
export const TRIAL_BALANCE_QUERY = /* GraphQL */ `
  query TrialBalance($asOf: Date!) {
    trialBalance(asOf: $asOf) {
      balanced
      rows {
        account {
          id
          code
          name
        }
        debit {
          amount
          currency
        }
        credit {
          amount
          currency
        }
      }
      totals {
        debit {
          amount
          currency
        }
        credit {
          amount
          currency
        }
      }
    }
  }
`;

/** `trialBalance(asOf)`: the answer must balance. */
export function trialBalance(asOf: string): BenchOperation {
  return {
    name: 'TrialBalance',
    body: { query: TRIAL_BALANCE_QUERY, operationName: 'TrialBalance', variables: { asOf } },
    check: (response) =>
      errorsOf(response) ??
      (at(response.data as Data, 'trialBalance.balanced') === true ? null : 'the trial balance does not balance'),
  };
}

const CREATE_INVOICE_DRAFT = /* GraphQL */ `
  mutation CreateInvoiceDraft($input: CreateInvoiceDraftInput!) {
    createInvoiceDraft(input: $input) {
      invoice {
        id
        lines {
          id
        }
        total {
          amount
          currency
        }
      }
      userErrors {
        code
        message
      }
    }
  }
`;

/** Drafts the client's approved time on `engagementId` worked up to each request's next date of `workDates`. */
export function createInvoiceDraft(
  clientId: string,
  engagementId: string,
  workDates: readonly string[],
): BenchOperation {
  return {
    name: 'createInvoiceDraft',
    body: {
      query: CREATE_INVOICE_DRAFT,
      operationName: 'CreateInvoiceDraft',
      variables: { input: { clientId, engagementIds: [engagementId], timeThrough: '__TIME_THROUGH__' } },
    },
    check: noUserErrors('createInvoiceDraft'),
    variant: { placeholder: '__TIME_THROUGH__', values: workDates, used: 0 },
  };
}

const ISSUE_INVOICE = /* GraphQL */ `
  mutation IssueInvoice($input: IssueInvoiceInput!) {
    issueInvoice(input: $input) {
      invoice {
        id
        number
        status
        amountDue {
          amount
          currency
        }
      }
      userErrors {
        code
        message
      }
    }
  }
`;

/** Issues one draft, each request the next of `draftIds` (its own idempotency key: the draft's id). */
export function issueInvoice(draftIds: readonly string[]): BenchOperation {
  return {
    name: 'issueInvoice',
    body: {
      query: ISSUE_INVOICE,
      operationName: 'IssueInvoice',
      variables: { input: { invoiceId: '__DRAFT_ID__', idempotencyKey: 'bench-__DRAFT_ID__' } },
    },
    check: noUserErrors('issueInvoice'),
    variant: { placeholder: '__DRAFT_ID__', values: draftIds, used: 0 },
  };
}
