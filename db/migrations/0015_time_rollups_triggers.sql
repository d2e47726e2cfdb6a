-- The time rollups of migration 0014 (README "Time and rates", "WIP and utilization"): forced
-- tenant policies, kept by triggers on billing.time_entries in the same statement as every insert,
-- update and delete (and every COPY), so they can never disagree with the entries. The billing role
-- reads them and writes them only through the triggers.
REVOKE INSERT, UPDATE, DELETE ON "billing"."user_day_totals", "billing"."wip_user_days", "billing"."wip_firm_days"
  FROM firmgraph_billing;--> statement-breakpoint

-- One change to the rollups: an entry's figures counted once, added (sign 1) or taken away (-1).
CREATE TYPE "billing"."time_rollup_change" AS (
  firm_id uuid, user_id uuid, work_date date, currency text, minutes integer, value_minor bigint,
  status "billing"."time_entry_status", billable boolean, sign integer
);--> statement-breakpoint

-- A statement-level trigger function over the statement's transition tables: one pass per
-- statement, however many rows it touched (approving 50 entries, or COPY of 400,000). As the owner
-- (SECURITY DEFINER), so the billing role needs no write privilege on the rollups; the owner is
-- bound by the forced tenant policies, so it writes the transaction's firm only.
CREATE FUNCTION "billing"."apply_time_entry_rollups"()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  changes billing.time_rollup_change[] := '{}';
BEGIN
  IF TG_OP = 'INSERT' THEN
    -- Entries inserted not yet approved were counted by add_time_entry_to_day, row by row.
    changes := array(SELECT (n.firm_id, n.user_id, n.work_date, n.currency, n.minutes, n.value_minor, n.status, n.billable, 1)::billing.time_rollup_change
                     FROM new_rows n WHERE n.status IN ('APPROVED', 'BILLED'));
  ELSIF TG_OP = 'DELETE' THEN
    changes := array(SELECT (o.firm_id, o.user_id, o.work_date, o.currency, o.minutes, o.value_minor, o.status, o.billable, -1)::billing.time_rollup_change
                     FROM old_rows o);
  ELSE
    -- Only rows whose counted figures changed; the rest (a submission, a description) net to nothing.
    changes := array(
      SELECT c FROM new_rows n JOIN old_rows o ON o.firm_id = n.firm_id AND o.id = n.id,
        LATERAL (VALUES
          ((n.firm_id, n.user_id, n.work_date, n.currency, n.minutes, n.value_minor, n.status, n.billable, 1)::billing.time_rollup_change),
          ((o.firm_id, o.user_id, o.work_date, o.currency, o.minutes, o.value_minor, o.status, o.billable, -1)::billing.time_rollup_change)
        ) AS v(c)
      WHERE (n.user_id, n.work_date, n.currency, n.minutes, n.value_minor,
             n.billable AND n.status IN ('APPROVED', 'BILLED'), n.billable AND n.status = 'APPROVED')
        IS DISTINCT FROM (o.user_id, o.work_date, o.currency, o.minutes, o.value_minor,
             o.billable AND o.status IN ('APPROVED', 'BILLED'), o.billable AND o.status = 'APPROVED'));
  END IF;
  IF cardinality(changes) = 0 THEN
    RETURN NULL;
  END IF;

  INSERT INTO billing.user_day_totals AS t (firm_id, user_id, work_date, recorded_minutes, billable_minutes)
  SELECT c.firm_id, c.user_id, c.work_date, sum(c.sign * c.minutes),
    coalesce(sum(c.sign * c.minutes) FILTER (WHERE c.billable AND c.status IN ('APPROVED', 'BILLED')), 0)
  FROM unnest(changes) c GROUP BY c.firm_id, c.user_id, c.work_date
  ON CONFLICT (firm_id, user_id, work_date) DO UPDATE
    SET recorded_minutes = t.recorded_minutes + excluded.recorded_minutes,
        billable_minutes = t.billable_minutes + excluded.billable_minutes;

  -- The daily limit, as add_time_entry_to_day holds it for single inserts: an edit that moves or
  -- lengthens time may not take a day over 1,440 minutes.
  IF EXISTS (
    SELECT FROM billing.user_day_totals t
    JOIN (SELECT DISTINCT c.firm_id, c.user_id, c.work_date FROM unnest(changes) c WHERE c.sign = 1) k
      ON t.firm_id = k.firm_id AND t.user_id = k.user_id AND t.work_date = k.work_date
    WHERE t.recorded_minutes > 1440
  ) THEN
    RAISE EXCEPTION 'A staff member''s time on one work date may total at most 1440 minutes'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'user_day_totals_daily_limit', SCHEMA = 'billing', TABLE = 'user_day_totals';
  END IF;

  INSERT INTO billing.wip_user_days AS t (firm_id, user_id, currency, work_date, minutes, value_minor)
  SELECT c.firm_id, c.user_id, c.currency, c.work_date, sum(c.sign * c.minutes), sum(c.sign * c.value_minor)
  FROM unnest(changes) c WHERE c.status = 'APPROVED' AND c.billable
  GROUP BY c.firm_id, c.user_id, c.currency, c.work_date
  ON CONFLICT (firm_id, user_id, currency, work_date) DO UPDATE
    SET minutes = t.minutes + excluded.minutes, value_minor = t.value_minor + excluded.value_minor;

  INSERT INTO billing.wip_firm_days AS t (firm_id, currency, work_date, minutes, value_minor)
  SELECT c.firm_id, c.currency, c.work_date, sum(c.sign * c.minutes), sum(c.sign * c.value_minor)
  FROM unnest(changes) c WHERE c.status = 'APPROVED' AND c.billable
  GROUP BY c.firm_id, c.currency, c.work_date
  ON CONFLICT (firm_id, currency, work_date) DO UPDATE
    SET minutes = t.minutes + excluded.minutes, value_minor = t.value_minor + excluded.value_minor;
  RETURN NULL;
END
$$;--> statement-breakpoint
COMMENT ON FUNCTION "billing"."apply_time_entry_rollups"() IS
  'Keeps billing.user_day_totals, wip_user_days and wip_firm_days equal to the sums of billing.time_entries, per statement, from its transition tables.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "billing"."apply_time_entry_rollups"() FROM PUBLIC;--> statement-breakpoint
-- A single entry recorded (the hot path: createTimeEntry, a stopped timer) needs no transition
-- table: a row trigger adds its minutes to its day with one upsert. New entries are DRAFT, so they
-- add to WIP only when a bulk load inserts approved time, which the statement function handles.
-- It also holds the daily limit: the upsert locks the day's row, so of two entries recorded at once
-- the second sees the first's minutes, and a day over 1,440 minutes fails the statement with
-- check_violation on constraint user_day_totals_daily_limit, which the service reports as DAILY_LIMIT.
CREATE FUNCTION "billing"."add_time_entry_to_day"()
RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  total integer;
BEGIN
  INSERT INTO billing.user_day_totals AS t (firm_id, user_id, work_date, recorded_minutes, billable_minutes)
  VALUES (NEW.firm_id, NEW.user_id, NEW.work_date, NEW.minutes, 0)
  ON CONFLICT (firm_id, user_id, work_date) DO UPDATE SET recorded_minutes = t.recorded_minutes + excluded.recorded_minutes
  RETURNING t.recorded_minutes INTO total;
  IF total > 1440 THEN
    RAISE EXCEPTION 'A staff member''s time on one work date may total at most 1440 minutes'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'user_day_totals_daily_limit', SCHEMA = 'billing', TABLE = 'user_day_totals';
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
COMMENT ON FUNCTION "billing"."add_time_entry_to_day"() IS
  'Adds a new DRAFT, SUBMITTED or REJECTED time entry''s minutes to its day in billing.user_day_totals (approved or billed inserts go through apply_time_entry_rollups).';--> statement-breakpoint
REVOKE ALL ON FUNCTION "billing"."add_time_entry_to_day"() FROM PUBLIC;--> statement-breakpoint
CREATE TRIGGER "time_entries_rollups_insert_row" AFTER INSERT ON "billing"."time_entries"
  FOR EACH ROW WHEN (NEW.status NOT IN ('APPROVED', 'BILLED')) EXECUTE FUNCTION "billing"."add_time_entry_to_day"();--> statement-breakpoint
CREATE TRIGGER "time_entries_rollups_insert" AFTER INSERT ON "billing"."time_entries"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."apply_time_entry_rollups"();--> statement-breakpoint
CREATE TRIGGER "time_entries_rollups_update" AFTER UPDATE ON "billing"."time_entries"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."apply_time_entry_rollups"();--> statement-breakpoint
CREATE TRIGGER "time_entries_rollups_delete" AFTER DELETE ON "billing"."time_entries"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "billing"."apply_time_entry_rollups"();--> statement-breakpoint

-- Rebuilds every rollup from the entries, set-based: for this migration (a database migrated with
-- time in it) and for bulk loads that disable the triggers (scripts/seed-large). SECURITY INVOKER and
-- granted to nobody: it needs a caller that sees every firm's rows (a superuser, or the owner here,
-- with the forced policy of time_entries lifted inside this migration's transaction and restored
-- before it commits; the rollups are not forced yet).
CREATE FUNCTION "billing"."rebuild_time_rollups"()
RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
  DELETE FROM billing.user_day_totals;
  DELETE FROM billing.wip_user_days;
  DELETE FROM billing.wip_firm_days;
  INSERT INTO billing.user_day_totals (firm_id, user_id, work_date, recorded_minutes, billable_minutes)
  SELECT firm_id, user_id, work_date, sum(minutes),
    coalesce(sum(minutes) FILTER (WHERE billable AND status IN ('APPROVED', 'BILLED')), 0)
  FROM billing.time_entries GROUP BY firm_id, user_id, work_date;
  INSERT INTO billing.wip_user_days (firm_id, user_id, currency, work_date, minutes, value_minor)
  SELECT firm_id, user_id, currency, work_date, sum(minutes), sum(value_minor)
  FROM billing.time_entries WHERE status = 'APPROVED' AND billable GROUP BY firm_id, user_id, currency, work_date;
  INSERT INTO billing.wip_firm_days (firm_id, currency, work_date, minutes, value_minor)
  SELECT firm_id, currency, work_date, sum(minutes), sum(value_minor)
  FROM billing.time_entries WHERE status = 'APPROVED' AND billable GROUP BY firm_id, currency, work_date;
$$;--> statement-breakpoint
COMMENT ON FUNCTION "billing"."rebuild_time_rollups"() IS
  'Rebuilds billing.user_day_totals, wip_user_days and wip_firm_days from billing.time_entries: after a bulk load with the rollup triggers disabled.';--> statement-breakpoint
REVOKE ALL ON FUNCTION "billing"."rebuild_time_rollups"() FROM PUBLIC;--> statement-breakpoint
ALTER TABLE "billing"."time_entries" NO FORCE ROW LEVEL SECURITY;--> statement-breakpoint
SELECT "billing"."rebuild_time_rollups"();--> statement-breakpoint
ALTER TABLE "billing"."time_entries" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."user_day_totals" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."wip_user_days" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "billing"."wip_firm_days" FORCE ROW LEVEL SECURITY;
