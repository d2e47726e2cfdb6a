import type { RegisterEntryFigures } from './report-store.ts';

/**
 * What `Query.arAging` resolves to: its date and the validated page of rows it was asked for.
 * `rows` and `totals` each read the database only when selected (one aggregate each).
 */
export interface ArAgingModel {
  /** `YYYY-MM-DD`. */
  asOf: string;
  /** Rows to return (0–100). */
  limit: number;
  /** The decoded `after` cursor: [clientId, currency], or null for the first page. */
  after: readonly [string, string] | null;
}

/** What `Query.invoiceRegister` resolves to; `entries` and `totals` read when selected. */
export interface InvoiceRegisterModel {
  /** `YYYY-MM-DD`, at most `to`. */
  from: string;
  to: string;
  limit: number;
  /** The decoded `after` cursor: [issueDate, id], or null. */
  after: readonly [string, string] | null;
}

/** An `InvoiceRegisterEntry` as resolvers receive it: the store's figures (amounts in bigint minor units). */
export type InvoiceRegisterEntryModel = RegisterEntryFigures;
