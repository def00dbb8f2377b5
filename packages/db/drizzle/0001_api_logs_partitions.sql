-- api_logs is range-partitioned by UTC day (see 0000_init). These functions keep
-- partitions created ahead of time and let retention drop whole days in O(1) instead of
-- deleting millions of rows. The default partition catches rows outside every day
-- partition so an insert never fails; it should stay empty.
CREATE TABLE IF NOT EXISTS "api_logs_default" PARTITION OF "api_logs" DEFAULT;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION wagate_ensure_api_log_partitions(from_ts timestamptz, days integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  day date := (from_ts AT TIME ZONE 'UTC')::date;
  created integer := 0;
  name text;
BEGIN
  FOR i IN 0..days LOOP
    name := 'api_logs_' || to_char(day + i, 'YYYYMMDD');
    IF to_regclass(name) IS NULL THEN
      BEGIN
        EXECUTE format(
          'CREATE TABLE %I PARTITION OF api_logs FOR VALUES FROM (%L) TO (%L)',
          name,
          ((day + i)::timestamp AT TIME ZONE 'UTC'),
          ((day + i + 1)::timestamp AT TIME ZONE 'UTC')
        );
        created := created + 1;
      EXCEPTION WHEN others THEN
        -- Rows for that day already sit in the default partition (or a concurrent
        -- replica created it first): leave it to the default partition.
        RAISE NOTICE 'api_logs partition % not created: %', name, SQLERRM;
      END;
    END IF;
  END LOOP;
  RETURN created;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION wagate_drop_api_log_partitions_before(cutoff timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  part record;
  dropped integer := 0;
  cutoff_day date := (cutoff AT TIME ZONE 'UTC')::date;
BEGIN
  FOR part IN
    SELECT c.relname FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relname = 'api_logs' AND c.relname ~ '^api_logs_[0-9]{8}$'
  LOOP
    IF to_date(substring(part.relname from 10), 'YYYYMMDD') < cutoff_day THEN
      EXECUTE format('DROP TABLE %I', part.relname);
      dropped := dropped + 1;
    END IF;
  END LOOP;
  RETURN dropped;
END $$;
