-- Wall 3 (design brief §3): RLS applies to the table owner too, on every new tenant table.
ALTER TABLE "crm"."client_team_members" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "crm"."message_threads" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "crm"."messages" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "crm"."message_read_states" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "crm"."outbox_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- A deleted message stays as a tombstone, and the outbox is written by services and emptied only by
-- the dispatcher's functions below: the app role may not delete either, nor mark events published.
REVOKE DELETE ON "crm"."messages" FROM firmgraph_app;--> statement-breakpoint
REVOKE UPDATE, DELETE ON "crm"."outbox_events" FROM firmgraph_app;--> statement-breakpoint
-- The dispatcher publishes every firm's events, which the tenant policy forbids to the app role.
-- Rather than a role that bypasses RLS, two SECURITY DEFINER functions run as the owner, which this
-- policy lets see and update outbox rows (and nothing else): they hand out ids, topics and
-- id-only payloads, never other tenant data. The owner cannot log in; only these functions act as it.
CREATE POLICY "outbox_events_dispatcher" ON "crm"."outbox_events" AS PERMISSIVE FOR ALL TO firmgraph_owner USING (true) WITH CHECK (true);--> statement-breakpoint
-- Claims up to `max_events` unpublished events of any firm, oldest first, locking them until the
-- caller's transaction ends (SKIP LOCKED: concurrent dispatchers take different events).
CREATE FUNCTION "crm"."claim_outbox_events"(max_events integer)
RETURNS TABLE (firm_id uuid, id uuid, topic text, payload jsonb)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT e.firm_id, e.id, e.topic, e.payload
  FROM crm.outbox_events e
  WHERE e.published_at IS NULL
  ORDER BY e.created_at, e.id
  LIMIT least(greatest(max_events, 0), 1000)
  FOR UPDATE SKIP LOCKED
$$;--> statement-breakpoint
-- Marks claimed events published; `firm_ids[i]` and `ids[i]` name one event.
CREATE FUNCTION "crm"."mark_outbox_events_published"(firm_ids uuid[], ids uuid[])
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  UPDATE crm.outbox_events e SET published_at = clock_timestamp()
  FROM unnest(firm_ids, ids) AS p(firm_id, id)
  WHERE e.firm_id = p.firm_id AND e.id = p.id AND e.published_at IS NULL
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "crm"."claim_outbox_events"(integer) FROM PUBLIC;--> statement-breakpoint
REVOKE ALL ON FUNCTION "crm"."mark_outbox_events_published"(uuid[], uuid[]) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "crm"."claim_outbox_events"(integer) TO firmgraph_app;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "crm"."mark_outbox_events_published"(uuid[], uuid[]) TO firmgraph_app;
