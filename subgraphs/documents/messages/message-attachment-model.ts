/**
 * The documents subgraph's view of a crm `Message`: its key and, through `@requires`, the ids of
 * the documents attached to it.
 */
export interface MessageAttachmentsReference {
  id: string;
  attachmentIds: string[];
}
