-- spend_rate_limit_points as in 0012, committing asynchronously: every gateway request calls it, and
-- waiting for the WAL flush of a throttle counter held the firm's bucket row lock for nothing.
-- (It makes the whole calling transaction asynchronous: the gateway calls it as a statement of its own.)
CREATE OR REPLACE FUNCTION "tenancy"."spend_rate_limit_points"(keys text[], sizes double precision[], restore_rates double precision[], cost double precision)
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
$$;
