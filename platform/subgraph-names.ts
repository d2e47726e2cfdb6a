/** The four subgraphs, in the order they are composed and started. */
export const SUBGRAPH_NAMES = ['tenancy', 'crm', 'billing', 'documents'] as const;

/** Name of one subgraph; also its PostgreSQL schema and its SDL file `schema/<name>.graphql`. */
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

/** Default port of each subgraph (gateway is 4000). */
export const DEFAULT_SUBGRAPH_PORTS: Record<SubgraphName, number> = {
  tenancy: 4001,
  crm: 4002,
  billing: 4003,
  documents: 4004,
};

/** Type guard for a command-line subgraph name. */
export function isSubgraphName(value: string): value is SubgraphName {
  return (SUBGRAPH_NAMES as readonly string[]).includes(value);
}
