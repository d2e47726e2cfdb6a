import type postgres from 'postgres';
import { expect } from 'vitest';
import { graphql } from '../gql/index.ts';
import type { InvoiceLineInput } from '../gql/graphql.ts';
import { asFirm } from './admin-db.ts';
import type { TestStack } from './stack.ts';
import { v7 as uuidv7 } from 'uuid';

// The fragment is defined in this document, after its operation; the other documents spread it by name.
export const CREATE_DRAFT = graphql(`
  mutation InvoicingCreateDraft($input: CreateInvoiceDraftInput!) {
    createInvoiceDraft(input: $input) {
      invoice {
        ...InvoiceFields
      }
      userErrors {
        field
        code
        message
      }
    }
  }

  fragment InvoiceFields on Invoice {
    id
    number
    status
    issueDate
    dueDate
    paymentTerms
    subtotal {
      amount
      currency
    }
    tax {
      amount
    }
    total {
      amount
      currency
    }
    amountDue {
      amount
    }
    amountCredited {
      amount
    }
    pdfUrl
    pdfSha256
    lines {
      id
      kind
      description
      quantity
      unitAmount {
        amount
      }
      amount {
        amount
      }
      standardAmount {
        amount
      }
      adjustment {
        amount
      }
      adjustmentReason
      minutes
      taxes {
        name
        rate
        inclusive
        amount {
          amount
        }
      }
    }
  }
`);

export const ISSUE = graphql(`
  mutation InvoicingIssue($input: IssueInvoiceInput!) {
    issueInvoice(input: $input) {
      invoice {
        ...InvoiceFields
      }
      userErrors {
        field
        code
        message
      }
    }
  }
`);

/**
 * Stores a tax rate of the firm straight in the database (`rateBasisPoints`: 2000 is 20 %) and
 * returns its id.
 */
export async function insertTaxRate(
  admin: postgres.Sql,
  firmId: string,
  rate: { name: string; rateBasisPoints: number; inclusive?: boolean },
): Promise<string> {
  const id = uuidv7();
  await asFirm(
    admin,
    firmId,
    (tx) => tx`insert into billing.tax_rates (firm_id, id, name, rate_basis_points, inclusive)
      values (${firmId}, ${id}, ${rate.name}, ${rate.rateBasisPoints}, ${rate.inclusive ?? false})`,
  );
  return id;
}

/** Creates a draft through the gateway and returns it, failing the test on any error. */
export async function createDraft(
  t: TestStack,
  token: string,
  input: { clientId: string; lines?: InvoiceLineInput[]; engagementIds?: string[]; timeThrough?: string },
) {
  const result = await t.gql(CREATE_DRAFT, { input }, token);
  expect(result.errors).toBeUndefined();
  expect(result.data!.createInvoiceDraft.userErrors).toEqual([]);
  return result.data!.createInvoiceDraft.invoice!;
}

/** Issues a draft through the gateway (a fresh idempotency key) and returns it, failing the test on any error. */
export async function issue(t: TestStack, token: string, invoiceId: string, issueDate?: string) {
  const result = await t.gql(ISSUE, { input: { invoiceId, issueDate, idempotencyKey: uuidv7() } }, token);
  expect(result.errors).toBeUndefined();
  expect(result.data!.issueInvoice.userErrors).toEqual([]);
  return result.data!.issueInvoice.invoice!;
}

/**
 * The journal's view of a firm, read as the admin connection: whether every entry balances, each
 * issued invoice whose amount due differs from its receivable, and the sum of all lines
 * (debits − credits, zero when the trial balance balances).
 */
export async function journalFindings(admin: postgres.Sql, firmId: string) {
  return asFirm(admin, firmId, async (tx) => {
    const unbalanced = await tx`
      select entry_id from billing.journal_lines where firm_id = ${firmId}
      group by entry_id, currency having sum(debit_minor) <> sum(credit_minor)`;
    const mismatched = await tx`
      select i.number from billing.invoices i
      where i.firm_id = ${firmId} and i.status <> 'DRAFT' and i.amount_due_minor <> coalesce((
        select sum(l.debit_minor - l.credit_minor) from billing.journal_lines l
        join billing.accounts a on a.firm_id = l.firm_id and a.id = l.account_id and a.system_account = 'ACCOUNTS_RECEIVABLE'
        where l.firm_id = i.firm_id and l.invoice_id = i.id), 0)`;
    const [{ net }] = (await tx`
      select coalesce(sum(debit_minor - credit_minor), 0)::text as net from billing.journal_lines where firm_id = ${firmId}`) as unknown as [
      { net: string },
    ];
    return { unbalanced: unbalanced.length, mismatched: mismatched.map((row) => row.number as string), net };
  });
}
