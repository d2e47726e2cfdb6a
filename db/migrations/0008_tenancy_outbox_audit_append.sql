CREATE TABLE "tenancy"."outbox_events" (
	"firm_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"topic" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp (3) with time zone,
	CONSTRAINT "outbox_events_firm_id_id_pk" PRIMARY KEY("firm_id","id")
);
--> statement-breakpoint
ALTER TABLE "tenancy"."outbox_events" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE INDEX "outbox_events_unpublished_idx" ON "tenancy"."outbox_events" USING btree ("created_at","id") WHERE "tenancy"."outbox_events"."published_at" is null;--> statement-breakpoint
CREATE POLICY "outbox_events_tenant_isolation" ON "tenancy"."outbox_events" AS PERMISSIVE FOR ALL TO public USING (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid) WITH CHECK (firm_id = nullif(current_setting('app.firm_id', true), '')::uuid);--> statement-breakpoint
-- tenancy's transactional outbox (platform/outbox.ts): the same shape and walls as crm's (migration
-- 0003). Revocations of a credential commit with the change that revokes it.
ALTER TABLE "tenancy"."outbox_events" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON "tenancy"."outbox_events" FROM firmgraph_app;--> statement-breakpoint
CREATE POLICY "outbox_events_dispatcher" ON "tenancy"."outbox_events" AS PERMISSIVE FOR ALL TO firmgraph_owner USING (true) WITH CHECK (true);--> statement-breakpoint
-- Claims up to `max_events` unpublished events of any firm, oldest first, locked until the caller's
-- transaction ends (SKIP LOCKED: concurrent dispatchers take different events).
CREATE FUNCTION "tenancy"."claim_outbox_events"(max_events integer)
RETURNS TABLE (firm_id uuid, id uuid, topic text, payload jsonb)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT e.firm_id, e.id, e.topic, e.payload
  FROM tenancy.outbox_events e
  WHERE e.published_at IS NULL
  ORDER BY e.created_at, e.id
  LIMIT least(greatest(max_events, 0), 1000)
  FOR UPDATE SKIP LOCKED
$$;--> statement-breakpoint
-- Marks claimed events published; `firm_ids[i]` and `ids[i]` name one event.
CREATE FUNCTION "tenancy"."mark_outbox_events_published"(firm_ids uuid[], ids uuid[])
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  UPDATE tenancy.outbox_events e SET published_at = clock_timestamp()
  FROM unnest(firm_ids, ids) AS p(firm_id, id)
  WHERE e.firm_id = p.firm_id AND e.id = p.id AND e.published_at IS NULL
$$;--> statement-breakpoint
-- Deletes events published longer ago than `keep` (at least a minute); returns how many.
CREATE FUNCTION "tenancy"."prune_outbox_events"(keep interval)
RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  WITH pruned AS (
    DELETE FROM tenancy.outbox_events e
    WHERE e.published_at IS NOT NULL AND e.published_at < clock_timestamp() - greatest(keep, interval '1 minute')
    RETURNING 1
  )
  SELECT count(*)::integer FROM pruned
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "tenancy"."claim_outbox_events"(integer), "tenancy"."mark_outbox_events_published"(uuid[], uuid[]),
  "tenancy"."prune_outbox_events"(interval) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "tenancy"."claim_outbox_events"(integer), "tenancy"."mark_outbox_events_published"(uuid[], uuid[]),
  "tenancy"."prune_outbox_events"(interval) TO firmgraph_app;--> statement-breakpoint

-- The audit writer's one way in (platform/audit.ts recordAudit): every subgraph appends to its
-- firm's audit log through this function and none may insert into tenancy.audit_log directly, so
-- that when each subgraph connects as its own role, only tenancy's role reads the log and the
-- others can append and nothing else. SECURITY DEFINER runs as the owner, to whom the forced
-- tenant policy still applies: the record's firm must be the transaction's app.firm_id. The
-- chain trigger assigns seq, occurred_at and the hash as before.
CREATE FUNCTION "tenancy"."append_audit_record"(
  firm_id uuid, id uuid, actor_kind text, actor_id uuid, action text, target_type text, target_id text,
  request_id text, ip text, user_agent text, metadata jsonb)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  INSERT INTO tenancy.audit_log
    (firm_id, id, actor_kind, actor_id, action, target_type, target_id, request_id, ip, user_agent, metadata)
  VALUES (append_audit_record.firm_id, append_audit_record.id, append_audit_record.actor_kind,
    append_audit_record.actor_id, append_audit_record.action, append_audit_record.target_type,
    append_audit_record.target_id, append_audit_record.request_id, append_audit_record.ip,
    append_audit_record.user_agent, append_audit_record.metadata)
$$;--> statement-breakpoint
COMMENT ON FUNCTION "tenancy"."append_audit_record"(uuid, uuid, text, uuid, text, text, text, text, text, text, jsonb) IS
  'Appends one record to the current firm''s audit log (app.firm_id): the only way any subgraph writes tenancy.audit_log.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "tenancy"."append_audit_record"(uuid, uuid, text, uuid, text, text, text, text, text, text, jsonb) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "tenancy"."append_audit_record"(uuid, uuid, text, uuid, text, text, text, text, text, text, jsonb) TO firmgraph_app;--> statement-breakpoint
REVOKE INSERT ON "tenancy"."audit_log" FROM firmgraph_app;
