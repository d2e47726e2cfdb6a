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
