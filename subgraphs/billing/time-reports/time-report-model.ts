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
