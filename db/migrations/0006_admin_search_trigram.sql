-- Trigram indexes for the admin search (ILIKE %…% on email, prefix on the code). Neon and the
-- embedded Postgres both ship pg_trgm.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX "bookings_email_trgm_idx" ON "bookings" USING gin ("customer_email" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "bookings_code_trgm_idx" ON "bookings" USING gin (upper("confirmation_code") gin_trgm_ops);