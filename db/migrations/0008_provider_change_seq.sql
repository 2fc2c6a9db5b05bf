CREATE TABLE "provider_change_heads" (
	"provider_id" uuid PRIMARY KEY NOT NULL,
	"seq" bigint DEFAULT 0 NOT NULL,
	"delivered_seq" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "change_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "provider_change_heads" ADD CONSTRAINT "provider_change_heads_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bookings_provider_change_idx" ON "bookings" USING btree ("provider_id","change_seq");--> statement-breakpoint

-- Hand-written: the per-provider change sequence. Every write that changes a booking's status or time
-- takes the provider's next number in the same statement, so no writer can forget it (the provider
-- object's mirror depends on it). The head row's lock serializes numbering per provider until commit,
-- and a rolled-back write rolls its number back too: committed numbers are 1..seq without gaps, which
-- is what lets the object tell a lost notice from one that is merely late. BEFORE, so the number is in
-- the writer's RETURNING row (and in the notice it sends after the commit).
INSERT INTO provider_change_heads (provider_id) SELECT id FROM providers ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE FUNCTION stamp_provider_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.provider_id <> OLD.provider_id THEN
      RAISE EXCEPTION 'a booking cannot move to another provider' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status = OLD.status AND NEW.starts_at = OLD.starts_at AND NEW.ends_at = OLD.ends_at
       AND NEW.occupied_from = OLD.occupied_from AND NEW.occupied_until = OLD.occupied_until THEN
      NEW.change_seq := OLD.change_seq; -- not a change of the schedule; and nobody sets it by hand
      RETURN NEW;
    END IF;
  END IF;
  INSERT INTO provider_change_heads AS h (provider_id, seq) VALUES (NEW.provider_id, 1)
  ON CONFLICT (provider_id) DO UPDATE SET seq = h.seq + 1
  RETURNING h.seq INTO NEW.change_seq;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER bookings_stamp_provider_change BEFORE INSERT OR UPDATE ON bookings
  FOR EACH ROW EXECUTE FUNCTION stamp_provider_change();
