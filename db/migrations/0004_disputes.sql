CREATE TABLE "disputes" (
	"id" text PRIMARY KEY NOT NULL,
	"booking_id" uuid NOT NULL,
	"payment_id" uuid NOT NULL,
	"amount" integer NOT NULL,
	"currency" text NOT NULL,
	"reason" text NOT NULL,
	"status" text NOT NULL,
	"amount_lost" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	CONSTRAINT "disputes_amounts" CHECK ("disputes"."amount" > 0 and "disputes"."amount_lost" >= 0 and "disputes"."amount_lost" <= "disputes"."amount")
);
--> statement-breakpoint
ALTER TABLE "payments" DROP CONSTRAINT "payments_refund_within_capture";--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "amount_disputed" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "disputes" ADD CONSTRAINT "disputes_booking_id_bookings_id_fk" FOREIGN KEY ("booking_id") REFERENCES "public"."bookings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disputes" ADD CONSTRAINT "disputes_payment_id_payments_id_fk" FOREIGN KEY ("payment_id") REFERENCES "public"."payments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "disputes_booking_idx" ON "disputes" USING btree ("booking_id","status");--> statement-breakpoint
ALTER TABLE "payments" ADD CONSTRAINT "payments_refund_within_capture" CHECK ("payments"."amount_refunded" + "payments"."amount_disputed" <= "payments"."amount_captured" and "payments"."amount_captured" <= "payments"."amount");