-- Published outbox events have done their work: the dispatcher deletes those published longer ago
-- than `keep` (it passes one day, so a recent event can still be inspected). Like the claim and
-- mark functions of 0017, it acts as the owner on the outbox alone, which the app role may not
-- delete from. Returns how many rows it deleted.
CREATE FUNCTION "crm"."prune_outbox_events"(keep interval)
RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  WITH pruned AS (
    DELETE FROM crm.outbox_events e
    WHERE e.published_at IS NOT NULL AND e.published_at < clock_timestamp() - greatest(keep, interval '1 minute')
    RETURNING 1
  )
  SELECT count(*)::integer FROM pruned
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "crm"."prune_outbox_events"(interval) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "crm"."prune_outbox_events"(interval) TO firmgraph_app;
