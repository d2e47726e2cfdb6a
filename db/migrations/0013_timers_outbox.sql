CREATE TABLE "billing"."outbox_events" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"topic" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp (3) with time zone,
	CONSTRAINT "outbox_events_firm_id_id_pk" PRIMARY KEY("firm_id","id")
);
--> statement-breakpoint
ALTER TABLE "billing"."outbox_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE INDEX "outbox_events_unpublished_idx" ON "billing"."outbox_events" USING btree ("created_at","id") WHERE "billing"."outbox_events"."published_at" is null;--> statement-breakpoint
CREATE POLICY "outbox_events_tenant_isolation" ON "billing"."outbox_events" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
-- billing's transactional outbox (platform/outbox.ts): the same shape and walls as crm's and tenancy's
-- (migrations 0003, 0008). A staff member's timer changes (`timer.changed`) commit with the change and
-- reach their other devices through the gateway's `timerChanged` subscription.
ALTER TABLE "billing"."outbox_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- Insert-only for the service role (the default privileges of migration 0010 gave it all four): the
-- outbox is written by services and emptied only by the dispatcher's functions below.
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON "billing"."outbox_events" FROM firmgraph_billing;--> statement-breakpoint
GRANT SELECT, INSERT ON "billing"."outbox_events" TO firmgraph_billing;--> statement-breakpoint
CREATE POLICY "outbox_events_dispatcher" ON "billing"."outbox_events" AS PERMISSIVE FOR ALL TO firmgraph_owner USING (true) WITH CHECK (true);--> statement-breakpoint
-- Claims up to `max_events` unpublished events of any firm, oldest first, locked until the caller's
-- transaction ends (SKIP LOCKED: concurrent dispatchers take different events).
CREATE FUNCTION "billing"."claim_outbox_events"(max_events integer)
RETURNS TABLE (firm_id uuid, id uuid, topic text, payload jsonb)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT e.firm_id, e.id, e.topic, e.payload
  FROM billing.outbox_events e
  WHERE e.published_at IS NULL
  ORDER BY e.created_at, e.id
  LIMIT least(greatest(max_events, 0), 1000)
  FOR UPDATE SKIP LOCKED
$$;--> statement-breakpoint
-- Marks claimed events published; `firm_ids[i]` and `ids[i]` name one event.
CREATE FUNCTION "billing"."mark_outbox_events_published"(firm_ids uuid[], ids uuid[])
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  UPDATE billing.outbox_events e SET published_at = clock_timestamp()
  FROM unnest(firm_ids, ids) AS p(firm_id, id)
  WHERE e.firm_id = p.firm_id AND e.id = p.id AND e.published_at IS NULL
$$;--> statement-breakpoint
-- Deletes events published longer ago than `keep` (at least a minute); returns how many.
CREATE FUNCTION "billing"."prune_outbox_events"(keep interval)
RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  WITH pruned AS (
    DELETE FROM billing.outbox_events e
    WHERE e.published_at IS NOT NULL AND e.published_at < clock_timestamp() - greatest(keep, interval '1 minute')
    RETURNING 1
  )
  SELECT count(*)::integer FROM pruned
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "billing"."claim_outbox_events"(integer), "billing"."mark_outbox_events_published"(uuid[], uuid[]),
  "billing"."prune_outbox_events"(interval) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "billing"."claim_outbox_events"(integer), "billing"."mark_outbox_events_published"(uuid[], uuid[]),
  "billing"."prune_outbox_events"(interval) TO firmgraph_billing;
