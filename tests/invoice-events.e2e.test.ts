import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { createClients, signUpFirm } from './support/factories.ts';
import { createDraft, issue } from './support/invoicing.ts';
import { onboardPortalUser } from './support/portal.ts';
import { useStackWithAdmin } from './support/suite.ts';
import { subscribe, subscriptionClient } from './support/ws-client.ts';

const env = useStackWithAdmin();

const INVOICE_CHANGED = graphql(`
  subscription InvoicingChanged($clientId: ID!) {
    invoiceChanged(clientId: $clientId) {
      kind
      invoice {
        number
        status
        amountDue {
          amount
        }
      }
      creditNote {
        number
      }
      at
    }
  }
`);

const VOID = graphql(`
  mutation InvoicingEventsVoid($input: VoidInvoiceInput!) {
    voidInvoice(input: $input) {
      userErrors {
        code
      }
    }
  }
`);

const CREDIT = graphql(`
  mutation InvoicingEventsCredit($input: IssueCreditNoteInput!) {
    issueCreditNote(input: $input) {
      creditNote {
        number
      }
      userErrors {
        code
      }
    }
  }
`);

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
});
const client = (token: string) => {
  const created = subscriptionClient(env.t.graphqlUrl, token);
  clients.push(created);
  return created;
};

/** Whether the server has admitted the subscription: one round trip through the gateway after it. */
async function settled(): Promise<void> {
  await env.t.gql(`{ __typename }`);
}

describe('invoiceChanged', () => {
  it('tells staff and the client’s portal users of issues, voids and credit notes, and nobody else', async () => {
    const owner = await signUpFirm(env.t);
    const other = await signUpFirm(env.t);
    const [clientId, otherClientId] = await createClients(env.t, owner.accessToken, ['Events Co', 'Quiet Co']);
    const portal = await onboardPortalUser(env.t, owner, [clientId!]);
    const staff = subscribe(client(owner.accessToken), INVOICE_CHANGED, { clientId: clientId! });
    const clientSide = subscribe(client(portal.accessToken), INVOICE_CHANGED, { clientId: clientId! });
    const otherClient = subscribe(client(owner.accessToken), INVOICE_CHANGED, { clientId: otherClientId! });
    const otherFirm = subscribe(client(other.accessToken), INVOICE_CHANGED, { clientId: clientId! });
    await settled();
    // Another firm's client answers as a missing one.
    expect(await otherFirm.ended).toMatchObject([{ extensions: { code: 'NOT_FOUND' } }]);

    const line = [{ kind: 'SERVICE' as const, description: 'Work', unitAmount: '100.00' }];
    const first = await issue(
      env.t,
      owner.accessToken,
      (await createDraft(env.t, owner.accessToken, { clientId: clientId!, lines: line })).id,
    );
    const second = await issue(
      env.t,
      owner.accessToken,
      (await createDraft(env.t, owner.accessToken, { clientId: clientId!, lines: line })).id,
    );
    const voided = await env.t.gql(VOID, { input: { invoiceId: first.id, reason: 'Duplicate' } }, owner.accessToken);
    expect(voided.data!.voidInvoice.userErrors).toEqual([]);
    const credited = await env.t.gql(
      CREDIT,
      { input: { invoiceId: second.id, amount: '40.00', reason: 'Goodwill', idempotencyKey: randomUUID() } },
      owner.accessToken,
    );
    expect(credited.data!.issueCreditNote.userErrors).toEqual([]);

    for (const subscription of [staff, clientSide]) {
      const events = (await subscription.waitFor(4)).map((event) => event.data!.invoiceChanged);
      expect(events.map((event) => [event.kind, event.invoice.number, event.creditNote?.number ?? null])).toEqual([
        ['ISSUED', first.number, null],
        ['ISSUED', second.number, null],
        ['VOIDED', first.number, null],
        ['CREDITED', second.number, credited.data!.issueCreditNote.creditNote!.number],
      ]);
      // The invoice is read as it is on delivery, under the subscriber's own rights.
      expect(events[3]!.invoice).toMatchObject({ status: 'OPEN', amountDue: { amount: '60.00' } });
    }
    await settled();
    expect(otherClient.results).toEqual([]);
  });
});
