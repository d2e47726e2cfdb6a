-- Walls for the security baseline (issue #4), the client portal and messaging (issue #3): what
-- drizzle-kit cannot express. Tables, policies and indexes are in 0002.

-- ── Audit log (issue #4 §4) ──
-- The audit log (issue #4 §4): append-only, hash-chained per firm, pruned only past the firm's retention.
ALTER TABLE "tenancy"."audit_log" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."audit_chain_heads" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- Migration 0001's default privileges granted UPDATE and DELETE; the app may only append and read.
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON "tenancy"."audit_log" FROM firmgraph_app;--> statement-breakpoint
REVOKE ALL ON "tenancy"."audit_chain_heads" FROM firmgraph_app;--> statement-breakpoint
-- The one definition of a record's link: sha256(prev_hash || UTF-8 of a JSON array of every other
-- column, in column order; occurred_at as RFC 3339 UTC with milliseconds). jsonb's text form is
-- deterministic (sorted keys, fixed spacing), so the insert trigger and the verifier cannot disagree.
CREATE FUNCTION "tenancy"."audit_entry_digest"(e "tenancy"."audit_log") RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT sha256(e.prev_hash || convert_to(jsonb_build_array(
    e.firm_id, e.seq, e.id, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    e.actor_kind, e.actor_id, e.action, e.target_type, e.target_id, e.request_id, e.ip, e.user_agent, e.metadata
  )::text, 'UTF8'))
$$;--> statement-breakpoint
-- Links each new record to its firm's chain. The upsert on the firm's chain-head row locks it until
-- the transaction ends, so concurrent writers of one firm queue up and never fork the chain.
-- Runs as the owner (the app role has no access to audit_chain_heads); RLS still applies, so the
-- record's firm must be the transaction's app.firm_id.
CREATE FUNCTION "tenancy"."audit_log_chain"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  head record;
BEGIN
  INSERT INTO tenancy.audit_chain_heads AS h (firm_id, last_seq, last_hash)
  VALUES (NEW.firm_id, 0, decode(repeat('00', 32), 'hex'))
  ON CONFLICT (firm_id) DO UPDATE SET last_seq = h.last_seq
  RETURNING h.last_seq, h.last_hash INTO head;
  NEW.seq := head.last_seq + 1;
  NEW.prev_hash := head.last_hash;
  NEW.occurred_at := date_trunc('milliseconds', clock_timestamp());
  NEW.metadata := coalesce(NEW.metadata, '{}'::jsonb);
  NEW.hash := tenancy.audit_entry_digest(NEW);
  UPDATE tenancy.audit_chain_heads SET last_seq = NEW.seq, last_hash = NEW.hash WHERE firm_id = NEW.firm_id;
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_chain" BEFORE INSERT ON "tenancy"."audit_log" FOR EACH ROW EXECUTE FUNCTION "tenancy"."audit_log_chain"();--> statement-breakpoint
-- Refuses UPDATE, DELETE and TRUNCATE for everyone, the owner included. The one exception is a
-- DELETE inside tenancy.prune_audit_log(), which runs as the owner and raises firmgraph.audit_pruning.
CREATE FUNCTION "tenancy"."audit_log_refuse_change"() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_user = 'firmgraph_owner' AND current_setting('firmgraph.audit_pruning', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'tenancy.audit_log is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_refuse_update_delete" BEFORE UPDATE OR DELETE ON "tenancy"."audit_log" FOR EACH ROW EXECUTE FUNCTION "tenancy"."audit_log_refuse_change"();--> statement-breakpoint
CREATE TRIGGER "audit_log_refuse_truncate" BEFORE TRUNCATE ON "tenancy"."audit_log" FOR EACH STATEMENT EXECUTE FUNCTION "tenancy"."audit_log_refuse_change"();--> statement-breakpoint
-- Drops the firm's records older than its audit_retention_days, always a prefix of the chain (every
-- record before the first one still inside retention), and appends an audit.prune record of the
-- run: prunedCount, and as the new anchor prunedThroughSeq and lastPrunedHash (hex), so the chain
-- verifies from the first remaining record. Only for the transaction's own firm (app.firm_id).
CREATE FUNCTION "tenancy"."prune_audit_log"(p_firm_id uuid, p_entry_id uuid, p_request_id text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  retention integer;
  cutoff timestamptz;
  keep_from bigint;
  pruned_through bigint;
  pruned_hash bytea;
  pruned bigint := 0;
BEGIN
  IF p_firm_id IS DISTINCT FROM nullif(current_setting('app.firm_id', true), '')::uuid THEN
    RAISE EXCEPTION 'prune_audit_log: the firm must be the transaction''s app.firm_id' USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- Lock the chain head first: no record of this firm is appended while the boundary is chosen.
  PERFORM 1 FROM tenancy.audit_chain_heads WHERE firm_id = p_firm_id FOR UPDATE;
  SELECT audit_retention_days INTO STRICT retention FROM tenancy.firms WHERE id = p_firm_id;
  cutoff := now() - make_interval(days => retention);
  SELECT coalesce(min(seq), (SELECT max(seq) + 1 FROM tenancy.audit_log WHERE firm_id = p_firm_id))
    INTO keep_from FROM tenancy.audit_log WHERE firm_id = p_firm_id AND occurred_at >= cutoff;
  SELECT seq, hash INTO pruned_through, pruned_hash FROM tenancy.audit_log WHERE firm_id = p_firm_id AND seq < keep_from ORDER BY seq DESC LIMIT 1;
  IF pruned_through IS NOT NULL THEN
    PERFORM set_config('firmgraph.audit_pruning', 'on', true);
    DELETE FROM tenancy.audit_log WHERE firm_id = p_firm_id AND seq < keep_from;
    GET DIAGNOSTICS pruned = ROW_COUNT;
    PERFORM set_config('firmgraph.audit_pruning', 'off', true);
  END IF;
  INSERT INTO tenancy.audit_log (firm_id, id, actor_kind, actor_id, action, target_type, target_id, request_id, ip, user_agent, metadata)
  VALUES (p_firm_id, p_entry_id, 'SYSTEM', NULL, 'audit.prune', 'firm', p_firm_id::text, p_request_id, NULL, NULL, jsonb_build_object(
    'prunedCount', pruned,
    'prunedThroughSeq', pruned_through,
    'lastPrunedHash', encode(pruned_hash, 'hex'),
    'retentionDays', retention,
    'cutoff', to_char(cutoff AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));
  RETURN pruned;
END
$$;--> statement-breakpoint
-- Recomputes the firm's chain from its first remaining record and names the first broken link:
-- a gap in seq, a prev_hash that is not the previous record's hash (or the prune anchor), a hash
-- that does not match the record's contents, or a chain head the last record does not reach
-- (records removed from the end). Only for the transaction's own firm (RLS).
CREATE FUNCTION "tenancy"."verify_audit_log"(p_firm_id uuid)
RETURNS TABLE (checked_count bigint, first_broken_seq bigint, first_broken_id uuid, reason text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r record;
  head record;
  expected_prev bytea;
  expected_seq bigint;
  last_id uuid;
  n bigint := 0;
BEGIN
  FOR r IN
    SELECT l.seq, l.id, l.prev_hash, l.hash, tenancy.audit_entry_digest(l) AS recomputed
    FROM tenancy.audit_log l WHERE l.firm_id = p_firm_id ORDER BY l.seq
  LOOP
    IF expected_seq IS NULL THEN
      expected_seq := r.seq;
      IF r.seq = 1 THEN
        expected_prev := decode(repeat('00', 32), 'hex');
      ELSE
        SELECT decode(p.metadata->>'lastPrunedHash', 'hex') INTO expected_prev FROM tenancy.audit_log p
        WHERE p.firm_id = p_firm_id AND p.action = 'audit.prune' AND p.seq >= r.seq
          AND (p.metadata->>'prunedThroughSeq')::bigint = r.seq - 1
        ORDER BY p.seq DESC LIMIT 1;
        IF NOT FOUND THEN
          RETURN QUERY SELECT n, r.seq, r.id, format('the log starts at seq %s, but no audit.prune record anchors it', r.seq);
          RETURN;
        END IF;
      END IF;
    END IF;
    IF r.seq <> expected_seq THEN
      RETURN QUERY SELECT n, r.seq, r.id, format('seq %s follows seq %s: records are missing', r.seq, expected_seq - 1);
      RETURN;
    END IF;
    IF r.prev_hash <> expected_prev THEN
      RETURN QUERY SELECT n, r.seq, r.id, 'prev_hash is not the hash of the record before it'::text;
      RETURN;
    END IF;
    IF r.hash <> r.recomputed THEN
      RETURN QUERY SELECT n, r.seq, r.id, 'the record''s contents do not match its hash'::text;
      RETURN;
    END IF;
    n := n + 1;
    expected_prev := r.hash;
    expected_seq := r.seq + 1;
    last_id := r.id;
  END LOOP;
  SELECT h.last_seq, h.last_hash INTO head FROM tenancy.audit_chain_heads h WHERE h.firm_id = p_firm_id;
  IF FOUND AND (expected_seq IS NULL OR head.last_seq <> expected_seq - 1 OR head.last_hash <> expected_prev) THEN
    RETURN QUERY SELECT n, head.last_seq, NULL::uuid, format('the chain head is at seq %s, but the log ends at seq %s: records are missing', head.last_seq, coalesce(expected_seq - 1, 0));
    RETURN;
  END IF;
  RETURN QUERY SELECT n, NULL::bigint, NULL::uuid, NULL::text;
END
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "tenancy"."audit_entry_digest"("tenancy"."audit_log"), "tenancy"."audit_log_chain"(), "tenancy"."audit_log_refuse_change"(),
  "tenancy"."prune_audit_log"(uuid, uuid, text), "tenancy"."verify_audit_log"(uuid) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "tenancy"."prune_audit_log"(uuid, uuid, text), "tenancy"."verify_audit_log"(uuid) TO firmgraph_app;
--> statement-breakpoint
-- ── API keys and break-glass (issue #4 §3, §5) ──
-- Wall 3 (design brief §3): RLS applies to the table owner too.
ALTER TABLE "tenancy"."api_keys" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."break_glass_grants" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- Keys and grants are revoked, never deleted: they are the record of who could reach a firm.
REVOKE DELETE ON "tenancy"."api_keys", "tenancy"."break_glass_grants", "tenancy"."platform_operators", "tenancy"."operator_sessions" FROM firmgraph_app;--> statement-breakpoint
-- ── Query-cost rate limits (issue #4 §2) ──
-- The gateway's query-cost buckets hold no tenant data, so they have no RLS; instead the
-- app role has no privileges on the table and reaches it only through the function below.
REVOKE ALL ON "tenancy"."rate_limit_buckets" FROM firmgraph_app;--> statement-breakpoint
-- Spends `cost` points from every bucket in `keys` (created empty on first use), or from none: a
-- bucket of size `sizes[i]` holds its level of spent points, which leaks at `restore_rates[i]` points
-- per second of PostgreSQL's clock, so every gateway replica shares one clock and one state. Returns
-- each bucket's available points after the call and whether the points were spent. It reports each
-- bucket's available points from the level it just computed. The insert takes the row locks itself
-- (ON CONFLICT DO UPDATE, in key order), so a prune can never delete a bucket between a spender's
-- insert and its lock, and requests that share buckets queue up and never deadlock.
CREATE FUNCTION "tenancy"."spend_rate_limit_points"(keys text[], sizes double precision[], restore_rates double precision[], cost double precision)
RETURNS TABLE (key text, available double precision, spent boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  now_ts timestamptz;
BEGIN
  -- A bucket is a throttle, not a record: this transaction commits without waiting for its WAL flush.
  -- A crash can lose the last few milliseconds of spending, which only lets a few requests through.
  PERFORM set_config('synchronous_commit', 'off', true);
  IF cardinality(keys) = 0 OR cardinality(sizes) <> cardinality(keys) OR cardinality(restore_rates) <> cardinality(keys)
     OR (SELECT count(DISTINCT k) FROM unnest(keys) AS k) <> cardinality(keys) OR cost < 0 THEN
    RAISE EXCEPTION 'spend_rate_limit_points: keys must be distinct and match sizes and restore_rates; cost must not be negative';
  END IF;
  -- Creates missing buckets and locks every bucket, in key order, so requests that share buckets
  -- queue up and never deadlock.
  INSERT INTO tenancy.rate_limit_buckets AS b (bucket_key, level, updated_at)
  SELECT k, 0, clock_timestamp() FROM unnest(keys) AS k ORDER BY k
  ON CONFLICT (bucket_key) DO UPDATE SET level = b.level;
  -- Read the clock only once the locks are held, so no bucket's updated_at is ever ahead of it.
  now_ts := clock_timestamp();
  RETURN QUERY
  WITH current AS (
    SELECT b.bucket_key, i.size,
           greatest(0, b.level - greatest(0, extract(epoch FROM now_ts - b.updated_at)::double precision) * i.restore_rate) AS level
    FROM tenancy.rate_limit_buckets b JOIN unnest(keys, sizes, restore_rates) AS i(bucket_key, size, restore_rate) USING (bucket_key)
  ), decision AS (
    SELECT bool_and(c.level + cost <= c.size) AS fits FROM current c
  ), spending AS (
    UPDATE tenancy.rate_limit_buckets b SET level = c.level + cost, updated_at = now_ts
    FROM current c, decision d
    WHERE d.fits AND b.bucket_key = c.bucket_key
    RETURNING b.bucket_key
  )
  SELECT c.bucket_key, c.size - c.level - CASE WHEN d.fits THEN cost ELSE 0 END, d.fits
  FROM current c CROSS JOIN decision d;
END
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "tenancy"."spend_rate_limit_points"(text[], double precision[], double precision[], double precision) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "tenancy"."spend_rate_limit_points"(text[], double precision[], double precision[], double precision) TO firmgraph_app;--> statement-breakpoint
-- Deletes the buckets untouched for `idle_seconds` and returns how many. The caller passes at least
-- the time the slowest bucket takes to leak from full to empty, so every deleted bucket was empty and
-- deleting it changes no answer. Buckets a spender holds are skipped, never waited for.
CREATE FUNCTION "tenancy"."prune_rate_limit_buckets"(idle_seconds double precision) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  WITH stale AS (
    SELECT bucket_key FROM tenancy.rate_limit_buckets
    WHERE updated_at < clock_timestamp() - make_interval(secs => idle_seconds)
    FOR UPDATE SKIP LOCKED
  ), gone AS (
    DELETE FROM tenancy.rate_limit_buckets b USING stale s WHERE b.bucket_key = s.bucket_key RETURNING 1
  )
  SELECT count(*)::integer FROM gone
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "tenancy"."prune_rate_limit_buckets"(double precision) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "tenancy"."prune_rate_limit_buckets"(double precision) TO firmgraph_app;--> statement-breakpoint

-- ── Client portal (issue #3) ──
-- Wall 3 (design brief §3): RLS applies to the table owner too, on every new tenant table.
ALTER TABLE "crm"."contacts" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "crm"."client_contacts" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "crm"."client_organizations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "crm"."client_organization_members" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."portal_users" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."portal_client_grants" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."portal_tokens" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."portal_sessions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "tenancy"."portal_refresh_tokens" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- Portal users, tokens and sessions are revoked or marked used, never deleted: they are the record
-- of who could reach a firm's clients. Grants and the log-in directory follow access and may go.
REVOKE DELETE ON "tenancy"."portal_users", "tenancy"."portal_tokens", "tenancy"."portal_sessions", "tenancy"."portal_refresh_tokens" FROM firmgraph_app;--> statement-breakpoint
-- Wall 3 (design brief §3): the portal log-in directory carries firm_id, so RLS applies to its owner too.
ALTER TABLE "tenancy"."portal_logins" FORCE ROW LEVEL SECURITY;--> statement-breakpoint

-- ── Messaging and the crm outbox (issue #3) ──
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
GRANT EXECUTE ON FUNCTION "crm"."mark_outbox_events_published"(uuid[], uuid[]) TO firmgraph_app;--> statement-breakpoint

-- Published outbox events have done their work: the dispatcher deletes those published longer ago
-- than `keep` (it passes one day, so a recent event can still be inspected). Like the claim and
-- mark functions above, it acts as the owner on the outbox alone, which the app role may not
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
GRANT EXECUTE ON FUNCTION "crm"."prune_outbox_events"(interval) TO firmgraph_app;--> statement-breakpoint

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
