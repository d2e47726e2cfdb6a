/** The documents subgraph's view of a `Client` entity: only its key. */
export interface DocumentsClientReference {
  id: string;
}
