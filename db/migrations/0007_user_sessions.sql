CREATE TYPE "public"."session_end_reason" AS ENUM('signed_out', 'signed_out_everywhere', 'ended_from_account', 'password_changed');--> statement-breakpoint
CREATE TABLE "user_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"end_reason" "session_end_reason",
	"user_agent" text,
	CONSTRAINT "user_sessions_end_reason_with_end" CHECK (("user_sessions"."ended_at" IS NULL) = ("user_sessions"."end_reason" IS NULL))
);
--> statement-breakpoint
ALTER TABLE "user_sessions" ADD CONSTRAINT "user_sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "user_sessions_live_by_user" ON "user_sessions" USING btree ("user_id") WHERE "user_sessions"."ended_at" IS NULL;