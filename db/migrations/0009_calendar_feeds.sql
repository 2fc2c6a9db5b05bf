CREATE TABLE "calendar_feeds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider_id" uuid,
	"user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"last_fetched_at" timestamp with time zone,
	CONSTRAINT "calendar_feeds_one_owner" CHECK (("calendar_feeds"."provider_id" IS NULL) <> ("calendar_feeds"."user_id" IS NULL))
);
--> statement-breakpoint
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_provider_id_providers_id_fk" FOREIGN KEY ("provider_id") REFERENCES "public"."providers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "calendar_feeds_live_provider" ON "calendar_feeds" USING btree ("provider_id") WHERE "calendar_feeds"."revoked_at" IS NULL AND "calendar_feeds"."provider_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "calendar_feeds_live_user" ON "calendar_feeds" USING btree ("user_id") WHERE "calendar_feeds"."revoked_at" IS NULL AND "calendar_feeds"."user_id" IS NOT NULL;