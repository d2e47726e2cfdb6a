/** The billing subgraph's view of a `Client` entity: its key and, via `@requires`, its currency. */
export interface BillingClientReference {
  id: string;
  currency?: string;
}
