/** How `wipReport` groups its rows (the `WipGrouping` enum). */
export type WipGroupingValue = 'CLIENT' | 'ENGAGEMENT' | 'STAFF' | 'SERVICE';

/**
 * What `Query.wipReport` resolves to: only its arguments. `rows` and `totals` each read the
 * database when selected, so a query asking for one runs one aggregate.
 */
export interface WipReportModel {
  /** `YYYY-MM-DD`. */
  asOf: string;
  groupBy: WipGroupingValue;
}

/** A `WipRow` as resolvers receive it: the API's figures, the group's entity keys, and the service's id (resolved to the `Service` row when selected). */
export interface WipRowModel {
  client: { id: string } | null;
  engagement: { id: string } | null;
  staff: { id: string } | null;
  serviceId: string | null;
  currency: string;
  minutes: number;
  value: { amount: string; currency: string };
  aging: Record<
    'days0To30' | 'days31To60' | 'days61To90' | 'over90Days',
    { minutes: number; value: { amount: string; currency: string } }
  >;
}
