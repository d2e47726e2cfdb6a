import type { InvoiceRow } from '../../../db/schema/billing.ts';
import type { CreditNoteLineSnapshot, InvoiceLineRow, InvoiceLineTaxRow } from '../../../db/schema/invoicing.ts';

/** The billing subgraph's view of a `Client` entity: its key and, via `@requires`, its currency. */
export interface BillingClientReference {
  id: string;
  currency?: string;
}

/** An invoice line as the resolvers map it: the row, its taxes and the invoice's currency. */
export interface InvoiceLineView {
  line: InvoiceLineRow;
  taxes: InvoiceLineTaxRow[];
  currency: string;
  /** The invoice's client (the portal rules check it). */
  clientId: string;
}

/** A credit note line as the resolvers map it: the snapshot, the credit note's currency and firm. */
export interface CreditNoteLineView {
  snapshot: CreditNoteLineSnapshot;
  currency: string;
  invoiceId: string;
  clientId: string;
}

/** A client's billing profile, as stored (null fields when it has none). */
export interface BillingProfile {
  billingAddress: string | null;
  taxId: string | null;
  paymentTerms: InvoiceRow['paymentTerms'] | null;
}
