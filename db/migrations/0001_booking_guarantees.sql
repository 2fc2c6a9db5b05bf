-- Hand-written: what drizzle-kit cannot express. Applied in order with the generated migrations.

-- btree_gist lets one GiST index combine equality on provider_id with overlap on a range.
CREATE EXTENSION IF NOT EXISTS btree_gist;
--> statement-breakpoint

-- The final guarantee against double booking. The architecture sketch combined a daterange with a
-- "timerange" (a type Postgres does not have) and compared local wall-clock times, which ignores time
-- zones and breaks for bookings that cross midnight or a DST change. Instead: one tstzrange of real
-- instants per booking, already widened by the service buffers ([start - before, end + after)), and
-- half-open so back-to-back bookings touch without overlapping. Only states that occupy time take part
-- (see OCCUPYING_STATUSES in domain/booking-states.ts; a test keeps the two lists equal).
ALTER TABLE bookings
  ADD CONSTRAINT bookings_no_overlap
  EXCLUDE USING gist (
    provider_id WITH =,
    tstzrange(occupied_from, occupied_until, '[)') WITH &&
  ) WHERE (status IN ('pending', 'awaiting_approval', 'confirmed', 'in_progress', 'completed'));
--> statement-breakpoint

-- Provider statistics for the admin dashboard, refreshed by the housekeeping cron
-- (REFRESH MATERIALIZED VIEW CONCURRENTLY needs the unique index below).
CREATE MATERIALIZED VIEW provider_booking_stats AS
SELECT
  p.id AS provider_id,
  count(b.id) FILTER (WHERE b.status = 'completed')::integer AS completed_bookings,
  count(b.id) FILTER (WHERE b.status IN ('confirmed', 'in_progress'))::integer AS upcoming_bookings,
  count(b.id) FILTER (WHERE b.status = 'cancelled')::integer AS cancelled_bookings,
  count(b.id) FILTER (WHERE b.status = 'no_show')::integer AS no_show_bookings,
  count(b.id)::integer AS total_bookings,
  coalesce(sum(b.total_amount) FILTER (WHERE b.status IN ('confirmed', 'in_progress', 'completed')), 0)::bigint AS gross_amount,
  coalesce(sum(b.platform_fee_amount) FILTER (WHERE b.status IN ('confirmed', 'in_progress', 'completed')), 0)::bigint AS platform_fee_amount,
  coalesce(round(avg(b.total_amount) FILTER (WHERE b.status = 'completed')), 0)::bigint AS avg_completed_amount,
  count(b.id) FILTER (WHERE b.created_at >= now() - interval '30 days')::integer AS recent_bookings,
  max(b.created_at) AS last_booking_at,
  now() AS refreshed_at
FROM providers p
LEFT JOIN bookings b ON b.provider_id = p.id
GROUP BY p.id;
--> statement-breakpoint

CREATE UNIQUE INDEX provider_booking_stats_provider_key ON provider_booking_stats (provider_id);
