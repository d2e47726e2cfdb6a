-- The documents subgraph's published check for message attachments (issue #3): which of `ids` name
-- documents of `client_id` in the transaction's firm. crm calls it from sendMessage instead of
-- reading documents' table, so the rule of what may be attached stays with documents.
-- SECURITY INVOKER: the caller's tenant policy applies, so another firm's id is simply absent.
CREATE FUNCTION "documents"."attachable_document_ids"(client_id uuid, ids uuid[])
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY INVOKER SET search_path = pg_catalog, pg_temp AS $$
  SELECT d.id FROM documents.documents d
  WHERE d.firm_id = nullif(current_setting('app.firm_id', true), '')::uuid
    AND d.client_id = attachable_document_ids.client_id
    AND d.id = ANY (attachable_document_ids.ids)
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "documents"."attachable_document_ids"(uuid, uuid[]) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "documents"."attachable_document_ids"(uuid, uuid[]) TO firmgraph_app;
