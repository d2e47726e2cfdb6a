import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { graphql } from './gql/index.ts';
import { createClients, signUpFirm } from './support/factories.ts';
import { CREATE_DRAFT, ISSUE, insertTaxRate } from './support/invoicing.ts';
import { useStackWithAdmin } from './support/suite.ts';

const env = useStackWithAdmin();

const VOID = graphql(`
  mutation InvoicingPropertyVoid($input: VoidInvoiceInput!) {
    voidInvoice(input: $input) {
      userErrors {
        code
      }
    }
  }
`);

const CREDIT = graphql(`
  mutation InvoicingPropertyCredit($input: IssueCreditNoteInput!) {
    issueCreditNote(input: $input) {
      creditNote {
        total {
          amount
        }
      }
      userErrors {
        code
      }
    }
  }
`);

const BOOKS = graphql(`
  query InvoicingPropertyBooks($asOf: Date!, $a: ID!, $b: ID!) {
    trialBalance(asOf: $asOf) {
      balanced
      totals {
        debit {
          amount
        }
        credit {
          amount
        }
      }
    }
    verifyLedger {
      ok
      firstMismatch {
        invoice {
          number
        }
      }
    }
    a: client(id: $a) {
      balance {
        amount
      }
    }
    b: client(id: $b) {
      balance {
        amount
      }
    }
  }
`);

/** One operation of a generated history: on which client, and the amounts involved (minor units). */
type Operation =
  | { kind: 'draft'; client: 0 | 1; unitMinor: number; taxed: boolean }
  | { kind: 'issue'; pick: number }
  | { kind: 'void'; pick: number }
  | { kind: 'credit'; pick: number; share: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    kind: fc.constant('draft' as const),
    client: fc.constantFrom(0 as const, 1 as const),
    unitMinor: fc.integer({ min: 1, max: 500_000 }),
    taxed: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('issue' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('void' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('credit' as const), pick: fc.nat(), share: fc.integer({ min: 1, max: 100 }) }),
);

const toMajor = (minor: number) => (minor / 100).toFixed(2);

describe('invoicing as random histories', () => {
  it('keeps the trial balance balanced, each client owing issued − voided − credited, and verifyLedger clean', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 4, maxLength: 14 }), async (operations) => {
        const owner = await signUpFirm(env.t);
        const token = owner.accessToken;
        const clients = await createClients(env.t, token, ['Client A', 'Client B']);
        const vat = await insertTaxRate(env.admin, owner.firmId, { name: 'VAT 20%', rateBasisPoints: 2000 });
        const drafts: { id: string; client: number }[] = [];
        const issued: { id: string; client: number; totalMinor: number; creditedMinor: number; voided: boolean }[] = [];
        for (const op of operations) {
          if (op.kind === 'draft') {
            const result = await env.t.gql(
              CREATE_DRAFT,
              {
                input: {
                  clientId: clients[op.client]!,
                  lines: [
                    {
                      kind: 'SERVICE',
                      description: 'Work',
                      unitAmount: toMajor(op.unitMinor),
                      taxRateIds: op.taxed ? [vat] : [],
                    },
                  ],
                },
              },
              token,
            );
            drafts.push({ id: result.data!.createInvoiceDraft.invoice!.id, client: op.client });
          } else if (op.kind === 'issue' && drafts.length > 0) {
            const [draft] = drafts.splice(op.pick % drafts.length, 1);
            const result = await env.t.gql(
              ISSUE,
              { input: { invoiceId: draft!.id, idempotencyKey: randomUUID() } },
              token,
            );
            expect(result.data!.issueInvoice.userErrors).toEqual([]);
            const total = result.data!.issueInvoice.invoice!.total.amount;
            issued.push({
              id: draft!.id,
              client: draft!.client,
              totalMinor: Math.round(Number(total) * 100),
              creditedMinor: 0,
              voided: false,
            });
          } else if (op.kind === 'void' && issued.length > 0) {
            const target = issued[op.pick % issued.length]!;
            const result = await env.t.gql(VOID, { input: { invoiceId: target.id, reason: 'Generated' } }, token);
            const expected = target.voided ? 'NOT_EDITABLE' : target.creditedMinor > 0 ? 'ALREADY_SETTLED' : null;
            expect(result.data!.voidInvoice.userErrors.map((e) => e.code)).toEqual(expected ? [expected] : []);
            if (!expected) target.voided = true;
          } else if (op.kind === 'credit' && issued.length > 0) {
            const target = issued[op.pick % issued.length]!;
            const creditable = target.totalMinor - target.creditedMinor;
            const amount = Math.max(1, Math.floor((creditable * op.share) / 100));
            const result = await env.t.gql(
              CREDIT,
              {
                input: {
                  invoiceId: target.id,
                  amount: toMajor(amount),
                  reason: 'Generated',
                  idempotencyKey: randomUUID(),
                },
              },
              token,
            );
            const expected = target.voided ? 'NOT_EDITABLE' : creditable <= 0 ? 'EXCEEDS_CREDITABLE' : null;
            expect(result.data!.issueCreditNote.userErrors.map((e) => e.code)).toEqual(expected ? [expected] : []);
            if (!expected) target.creditedMinor += amount;
          }
        }
        const books = await env.t.gql(BOOKS, { asOf: '2100-01-01', a: clients[0]!, b: clients[1]! }, token);
        expect(books.errors).toBeUndefined();
        expect(books.data!.trialBalance.balanced).toBe(true);
        for (const total of books.data!.trialBalance.totals) expect(total.debit).toEqual(total.credit);
        expect(books.data!.verifyLedger).toEqual({ ok: true, firstMismatch: null });
        for (const [index, key] of (['a', 'b'] as const).entries()) {
          // Credit notes beyond what is due go to client credit, never below zero: here every credit is at most what is due.
          const owed = issued
            .filter((invoice) => invoice.client === index && !invoice.voided)
            .reduce((sum, invoice) => sum + invoice.totalMinor - invoice.creditedMinor, 0);
          expect(books.data![key]!.balance.amount).toBe(toMajor(owed));
        }
      }),
      { numRuns: 6, endOnFailure: true },
    );
  }, 240_000);
});
