/** The crm subgraph's view of a `Firm` entity: only its key. */
export interface FirmReference {
  id: string;
}
