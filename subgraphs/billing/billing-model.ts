/**
 * Billing's view of an entity another subgraph owns (`User`, `Engagement`, `Firm`): only its key.
 * Billing's fields on it read billing's own tables by that id, under the request's firm.
 */
export interface EntityReference {
  id: string;
}
