-- The gateway's query-cost buckets (issue #4 §2) hold no tenant data, so they have no RLS; instead the
-- app role has no privileges on the table and reaches it only through the function below.
REVOKE ALL ON "tenancy"."rate_limit_buckets" FROM firmgraph_app;--> statement-breakpoint
-- Spends `cost` points from every bucket in `keys` (created empty on first use), or from none: a
-- bucket of size `sizes[i]` holds its level of spent points, which leaks at `restore_rates[i]` points
-- per second of PostgreSQL's clock, so every gateway replica shares one clock and one state. Returns
-- each bucket's available points after the call and whether the points were spent.
CREATE FUNCTION "tenancy"."spend_rate_limit_points"(keys text[], sizes double precision[], restore_rates double precision[], cost double precision)
RETURNS TABLE (key text, available double precision, spent boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  now_ts timestamptz;
  fits boolean;
BEGIN
  IF cardinality(keys) = 0 OR cardinality(sizes) <> cardinality(keys) OR cardinality(restore_rates) <> cardinality(keys)
     OR (SELECT count(DISTINCT k) FROM unnest(keys) AS k) <> cardinality(keys) OR cost < 0 THEN
    RAISE EXCEPTION 'spend_rate_limit_points: keys must be distinct and match sizes and restore_rates; cost must not be negative';
  END IF;
  INSERT INTO tenancy.rate_limit_buckets (bucket_key, level, updated_at)
  SELECT k, 0, clock_timestamp() FROM unnest(keys) AS k ORDER BY k
  ON CONFLICT (bucket_key) DO NOTHING;
  -- Lock in key order, so requests that share buckets queue up and never deadlock.
  PERFORM 1 FROM tenancy.rate_limit_buckets b WHERE b.bucket_key = ANY (keys) ORDER BY b.bucket_key FOR UPDATE;
  -- Read the clock only once the locks are held, so no bucket's updated_at is ever ahead of it.
  now_ts := clock_timestamp();
  SELECT bool_and(greatest(0, b.level - greatest(0, extract(epoch FROM now_ts - b.updated_at)::double precision) * i.restore_rate) + cost <= i.size)
  INTO fits
  FROM tenancy.rate_limit_buckets b JOIN unnest(keys, sizes, restore_rates) AS i(bucket_key, size, restore_rate) USING (bucket_key);
  IF fits THEN
    UPDATE tenancy.rate_limit_buckets b
    SET level = greatest(0, b.level - greatest(0, extract(epoch FROM now_ts - b.updated_at)::double precision) * i.restore_rate) + cost,
        updated_at = now_ts
    FROM unnest(keys, sizes, restore_rates) AS i(bucket_key, size, restore_rate)
    WHERE b.bucket_key = i.bucket_key;
  END IF;
  RETURN QUERY
  SELECT b.bucket_key, i.size - greatest(0, b.level - greatest(0, extract(epoch FROM now_ts - b.updated_at)::double precision) * i.restore_rate), fits
  FROM tenancy.rate_limit_buckets b JOIN unnest(keys, sizes, restore_rates) AS i(bucket_key, size, restore_rate) USING (bucket_key);
END
$$;--> statement-breakpoint
REVOKE ALL ON FUNCTION "tenancy"."spend_rate_limit_points"(text[], double precision[], double precision[], double precision) FROM PUBLIC;--> statement-breakpoint
GRANT EXECUTE ON FUNCTION "tenancy"."spend_rate_limit_points"(text[], double precision[], double precision[], double precision) TO firmgraph_app;
