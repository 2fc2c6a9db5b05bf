// The whole data model. This file is the source of truth: `npm run db:generate` turns changes into SQL
// migrations under db/migrations. What drizzle cannot express (btree_gist, the exclusion constraint that
// makes double booking impossible, the materialized view) lives in a hand-written migration step next to
// the generated ones (see db/migrations/*_booking_guarantees.sql).
//
// Conventions: instants are `timestamptz`; the IANA zone they were chosen in is stored beside them.
// Money is integer minor units + a lowercase ISO 4217 currency, never floats.
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgMaterializedView,
  pgTable,
  primaryKey,
  smallint,
  text,
  time,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { BOOKING_STATUSES } from "../domain/booking-states";

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const createdAt = () => instant("created_at").notNull().defaultNow();
const updatedAt = () => instant("updated_at").notNull().defaultNow();

export const userRole = pgEnum("user_role", ["customer", "provider", "admin"]);

/** The domain's statuses (a test checks the migrated database enum has exactly these). */
export const bookingStatus = pgEnum("booking_status", BOOKING_STATUSES);

export const actorType = pgEnum("actor_type", ["customer", "guest", "provider", "admin", "system"]);

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: userRole("role").notNull().default("customer"),
    /** PBKDF2 hash string `pbkdf2-sha256$iterations$salt$hash`; null for accounts that cannot sign in yet. */
    passwordHash: text("password_hash"),
    /** When the user proved they own `email` (the mailed link); guest bookings are claimed only then. */
    emailVerifiedAt: instant("email_verified_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("users_email_lower_key").on(sql`lower(${t.email})`)],
);

/** Why a session ended before its expiry (kept on the row, so the account page can say it). */
export const sessionEndReason = pgEnum("session_end_reason", ["signed_out", "signed_out_everywhere", "ended_from_account", "password_changed"]);

/**
 * One row per sign-in. The session cookie carries the row's id (signed); a request is signed in only
 * while its row is neither ended nor expired, so sign-out, a password change and "sign out everywhere"
 * end copied cookies too (workers/auth/session-store.ts checks, with a short per-isolate cache).
 */
export const userSessions = pgTable(
  "user_sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    /** Refreshed at most hourly when the session is re-checked; the account page shows it. */
    lastSeenAt: instant("last_seen_at").notNull().defaultNow(),
    expiresAt: instant("expires_at").notNull(),
    endedAt: instant("ended_at"),
    endReason: sessionEndReason("end_reason"),
    /** The browser's User-Agent at sign-in (first 300 characters), so people can tell their devices apart. */
    userAgent: text("user_agent"),
  },
  (t) => [
    index("user_sessions_live_by_user").on(t.userId).where(sql`${t.endedAt} IS NULL`),
    check("user_sessions_end_reason_with_end", sql`(${t.endedAt} IS NULL) = (${t.endReason} IS NULL)`),
  ],
);

export const providers = pgTable(
  "providers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "restrict" }),
    slug: text("slug").notNull(),
    displayName: text("display_name").notNull(),
    headline: text("headline").notNull().default(""),
    bio: text("bio").notNull().default(""),
    /** IANA zone the weekly hours are written in, e.g. "Europe/London". */
    timeZone: text("time_zone").notNull(),
    stripeAccountId: text("stripe_account_id"),
    payoutsEnabled: boolean("payouts_enabled").notNull().default(false),
    isActive: boolean("is_active").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("providers_slug_key").on(t.slug), uniqueIndex("providers_user_key").on(t.userId)],
);

/**
 * Per provider: the last change number given to a booking (`seq`, counted by the bookings trigger
 * of migration 0008, gap-free because the row lock serializes it) and the last one the provider's
 * object has confirmed applying (`deliveredSeq`, written by the minute cron's delivery pass).
 */
export const providerChangeHeads = pgTable("provider_change_heads", {
  providerId: uuid("provider_id")
    .primaryKey()
    .references(() => providers.id, { onDelete: "cascade" }),
  seq: bigint("seq", { mode: "number" }).notNull().default(0),
  deliveredSeq: bigint("delivered_seq", { mode: "number" }).notNull().default(0),
});

export const services = pgTable(
  "services",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    providerId: uuid("provider_id")
      .notNull()
      .references(() => providers.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    category: text("category").notNull(),
    durationMinutes: integer("duration_minutes").notNull(),
    priceAmount: integer("price_amount").notNull(),
    currency: text("currency").notNull().default("usd"),
    bufferBeforeMinutes: integer("buffer_before_minutes").notNull().default(0),
    bufferAfterMinutes: integer("buffer_after_minutes").notNull().default(0),
    slotIntervalMinutes: integer("slot_interval_minutes").notNull().default(30),
    minNoticeMinutes: integer("min_notice_minutes").notNull().default(60),
    bookingWindowDays: integer("booking_window_days").notNull().default(60),
    requiresApproval: boolean("requires_approval").notNull().default(false),
    /** domain/cancellation-policy.ts CancellationPolicySchema. */
    cancellationPolicy: jsonb("cancellation_policy").notNull(),
    isActive: boolean("is_active").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("services_provider_active_idx").on(t.providerId, t.isActive),
    index("services_category_idx").on(t.category),
    check("services_duration_positive", sql`${t.durationMinutes} > 0 and ${t.durationMinutes} <= 1440`),
    check("services_price_nonnegative", sql`${t.priceAmount} >= 0`),
    check("services_currency_iso", sql`${t.currency} ~ '^[a-z]{3}$'`),
    check("services_buffers_nonnegative", sql`${t.bufferBeforeMinutes} >= 0 and ${t.bufferAfterMinutes} >= 0`),
    check("services_slot_interval_positive", sql`${t.slotIntervalMinutes} > 0`),
    check("services_notice_window", sql`${t.minNoticeMinutes} >= 0 and ${t.bookingWindowDays} > 0`),
  ],
);

/** Weekly working hours in the provider's zone; several rows per weekday give breaks between ranges. */
export const availabilityRules = pgTable(
  "availability_rules",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    providerId: uuid("provider_id")
      .notNull()
      .references(() => providers.id, { onDelete: "cascade" }),
    /** ISO weekday, Monday = 1. */
    weekday: smallint("weekday").notNull(),
    startTime: time("start_time").notNull(),
    endTime: time("end_time").notNull(),
  },
  (t) => [
    index("availability_rules_provider_idx").on(t.providerId, t.weekday),
    check("availability_rules_weekday", sql`${t.weekday} between 1 and 7`),
    check("availability_rules_order", sql`${t.startTime} < ${t.endTime} or ${t.endTime} = '00:00'`),
  ],
);

/**
 * Date overrides in the provider's zone. Any row for a date replaces that date's weekly hours;
 * a row with null times marks the day closed.
 */
export const availabilityOverrides = pgTable(
  "availability_overrides",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    providerId: uuid("provider_id")
      .notNull()
      .references(() => providers.id, { onDelete: "cascade" }),
    date: date("date", { mode: "string" }).notNull(),
    startTime: time("start_time"),
    endTime: time("end_time"),
    reason: text("reason").notNull().default(""),
  },
  (t) => [
    index("availability_overrides_provider_date_idx").on(t.providerId, t.date),
    check("availability_overrides_both_or_none", sql`(${t.startTime} is null) = (${t.endTime} is null)`),
  ],
);

export const guestBookingSessions = pgTable(
  "guest_booking_sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    phone: text("phone"),
    /** SHA-256 of the secret manage token handed to the guest; the token itself is never stored. */
    tokenHash: text("token_hash").notNull(),
    expiresAt: instant("expires_at").notNull(),
    completedAt: instant("completed_at"),
    /** Set when the guest signs up with the same email and claims the bookings. */
    claimedByUserId: uuid("claimed_by_user_id").references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("guest_sessions_token_key").on(t.tokenHash),
    index("guest_sessions_email_idx").on(sql`lower(${t.email})`),
    index("guest_sessions_expires_idx").on(t.expiresAt),
  ],
);

export const bookings = pgTable(
  "bookings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    confirmationCode: text("confirmation_code").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    /** SHA-256 of the canonical request body, to answer "same key, different body" with 409. */
    requestHash: text("request_hash").notNull(),
    providerId: uuid("provider_id")
      .notNull()
      .references(() => providers.id),
    serviceId: uuid("service_id")
      .notNull()
      .references(() => services.id),
    customerId: uuid("customer_id").references(() => users.id),
    guestSessionId: uuid("guest_session_id").references(() => guestBookingSessions.id),
    status: bookingStatus("status").notNull().default("pending"),
    /** Optimistic concurrency: every transition bumps it. */
    version: integer("version").notNull().default(1),
    startsAt: instant("starts_at").notNull(),
    endsAt: instant("ends_at").notNull(),
    /** The customer's IANA zone at booking time (what they saw), and the provider's zone then. */
    timeZone: text("time_zone").notNull(),
    providerTimeZone: text("provider_time_zone").notNull(),
    /**
     * The interval this booking blocks: [start - buffer before, end + buffer after), as computed by the
     * domain core with the service's buffers at booking time. Stored (not generated) because
     * timestamptz ± interval is not IMMUTABLE in Postgres, so it cannot feed a generated column.
     */
    occupiedFrom: instant("occupied_from").notNull(),
    occupiedUntil: instant("occupied_until").notNull(),
    customerName: text("customer_name").notNull(),
    customerEmail: text("customer_email").notNull(),
    customerPhone: text("customer_phone"),
    notes: text("notes").notNull().default(""),
    currency: text("currency").notNull(),
    totalAmount: integer("total_amount").notNull(),
    platformFeeAmount: integer("platform_fee_amount").notNull(),
    providerAmount: integer("provider_amount").notNull(),
    platformFeeBps: integer("platform_fee_bps").notNull(),
    /** Snapshot of the service's policy when booked: later policy edits do not change this booking. */
    cancellationPolicy: jsonb("cancellation_policy").notNull(),
    /** Deadline for pending payment or for provider approval; null once settled. */
    expiresAt: instant("expires_at"),
    /** iCalendar SEQUENCE: bumped on every reschedule/cancel so calendar apps update the event. */
    icsSequence: integer("ics_sequence").notNull().default(0),
    /**
     * The provider's change number of this booking's latest change of status or time, stamped by a
     * trigger in the writing statement (migration 0008): the provider object applies changes in this
     * order, sees gaps, and pulls what it missed (durable-objects/booking-mirror.ts).
     */
    changeSeq: bigint("change_seq", { mode: "number" }).notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("bookings_confirmation_code_key").on(t.confirmationCode),
    uniqueIndex("bookings_idempotency_key_key").on(t.idempotencyKey),
    index("bookings_provider_occupied_idx").on(t.providerId, t.occupiedFrom, t.occupiedUntil),
    index("bookings_provider_change_idx").on(t.providerId, t.changeSeq),
    index("bookings_customer_idx").on(t.customerId, t.createdAt),
    index("bookings_guest_session_idx").on(t.guestSessionId),
    index("bookings_status_expires_idx").on(t.status, t.expiresAt),
    index("bookings_email_idx").on(sql`lower(${t.customerEmail})`),
    // Admin search: substring (ILIKE '%…%') on the email and prefix on the code use trigram indexes
    // (pg_trgm, created by the migration) instead of reading every booking.
    index("bookings_email_trgm_idx").using("gin", sql`${t.customerEmail} gin_trgm_ops`),
    index("bookings_code_trgm_idx").using("gin", sql`upper(${t.confirmationCode}) gin_trgm_ops`),
    check("bookings_interval_order", sql`${t.startsAt} < ${t.endsAt}`),
    check(
      "bookings_occupied_covers",
      sql`${t.occupiedFrom} <= ${t.startsAt} and ${t.occupiedUntil} >= ${t.endsAt}`,
    ),
    check(
      "bookings_amounts_add_up",
      sql`${t.totalAmount} >= 0 and ${t.platformFeeAmount} >= 0 and ${t.providerAmount} >= 0 and ${t.platformFeeAmount} + ${t.providerAmount} = ${t.totalAmount}`,
    ),
    check("bookings_has_customer", sql`${t.customerId} is not null or ${t.guestSessionId} is not null`),
  ],
);

/** Audit trail: one row per state change, written in the same transaction as the change. */
export const bookingStateTransitions = pgTable(
  "booking_state_transitions",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    bookingId: uuid("booking_id")
      .notNull()
      .references(() => bookings.id, { onDelete: "cascade" }),
    fromStatus: bookingStatus("from_status"),
    toStatus: bookingStatus("to_status").notNull(),
    actorType: actorType("actor_type").notNull(),
    actorId: text("actor_id"),
    reason: text("reason").notNull(),
    metadata: jsonb("metadata").notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index("booking_transitions_booking_idx").on(t.bookingId, t.id),
    index("booking_transitions_status_idx").on(t.toStatus, t.createdAt),
  ],
);

/** Domain events about a booking (created, rescheduled, payment attempts, emails queued, ...). */
export const bookingEvents = pgTable(
  "booking_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    bookingId: uuid("booking_id")
      .notNull()
      .references(() => bookings.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    data: jsonb("data").notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index("booking_events_booking_idx").on(t.bookingId, t.id), index("booking_events_type_idx").on(t.type, t.createdAt)],
);

export const payments = pgTable(
  "payments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    bookingId: uuid("booking_id")
      .notNull()
      .references(() => bookings.id),
    stripePaymentIntentId: text("stripe_payment_intent_id").notNull(),
    captureMethod: text("capture_method").notNull(),
    /** Mirrors the PaymentIntent status as last applied from Stripe. */
    status: text("status").notNull(),
    currency: text("currency").notNull(),
    amount: integer("amount").notNull(),
    amountCaptured: integer("amount_captured").notNull().default(0),
    amountRefunded: integer("amount_refunded").notNull().default(0),
    /** Taken back by lost disputes (chargebacks): returned to the customer like a refund, but not one. */
    amountDisputed: integer("amount_disputed").notNull().default(0),
    lastError: text("last_error"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("payments_intent_key").on(t.stripePaymentIntentId),
    index("payments_booking_idx").on(t.bookingId),
    check(
      "payments_refund_within_capture",
      sql`${t.amountRefunded} + ${t.amountDisputed} <= ${t.amountCaptured} and ${t.amountCaptured} <= ${t.amount}`,
    ),
  ],
);

export const refunds = pgTable(
  "refunds",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    bookingId: uuid("booking_id")
      .notNull()
      .references(() => bookings.id),
    paymentId: uuid("payment_id")
      .notNull()
      .references(() => payments.id),
    stripeRefundId: text("stripe_refund_id"),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    reason: text("reason").notNull(),
    status: text("status").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("refunds_stripe_id_key").on(t.stripeRefundId),
    index("refunds_booking_idx").on(t.bookingId),
    check("refunds_amount_positive", sql`${t.amount} > 0`),
  ],
);

/**
 * Card disputes (chargebacks) as Stripe reports them. While one is open the booking's payout is held
 * ("payable if nothing disputes it"); a lost one is posted to the ledger like a refund.
 */
export const disputes = pgTable(
  "disputes",
  {
    /** Stripe's dispute id (dp_…). */
    id: text("id").primaryKey(),
    bookingId: uuid("booking_id")
      .notNull()
      .references(() => bookings.id),
    paymentId: uuid("payment_id")
      .notNull()
      .references(() => payments.id),
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    reason: text("reason").notNull(),
    /** Stripe's status: warning_needs_response, warning_under_review, warning_closed, needs_response, under_review, won, lost. */
    status: text("status").notNull(),
    /** The amount posted to the ledger when lost (may be less than `amount` if refunds came first). */
    amountLost: integer("amount_lost").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    closedAt: instant("closed_at"),
  },
  (t) => [
    index("disputes_booking_idx").on(t.bookingId, t.status),
    check("disputes_amounts", sql`${t.amount} > 0 and ${t.amountLost} >= 0 and ${t.amountLost} <= ${t.amount}`),
  ],
);

export const payoutStatus = pgEnum("payout_status", ["scheduled", "processing", "paid", "failed", "cancelled"]);

export const payoutSchedules = pgTable(
  "payout_schedules",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    bookingId: uuid("booking_id").references(() => bookings.id),
    providerId: uuid("provider_id")
      .notNull()
      .references(() => providers.id),
    currency: text("currency").notNull(),
    /** What the provider is owed for this booking (its provider share). */
    grossAmount: integer("gross_amount").notNull(),
    /** Clawbacks of earlier refunds netted against this payout. */
    deductionAmount: integer("deduction_amount").notNull().default(0),
    status: payoutStatus("status").notNull().default("scheduled"),
    /** When the escrow ends and the payout becomes due. */
    payableAt: instant("payable_at").notNull(),
    attempts: integer("attempts").notNull().default(0),
    /**
     * Bumped when Stripe definitively refuses a transfer (4xx): Stripe stores that answer under the
     * idempotency key for 24 h, so a retry after the cause is fixed needs a new key (payouts.ts).
     */
    transferKeyGeneration: integer("transfer_key_generation").notNull().default(0),
    nextAttemptAt: instant("next_attempt_at"),
    stripeTransferId: text("stripe_transfer_id"),
    lastError: text("last_error"),
    paidAt: instant("paid_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("payout_schedules_due_idx").on(t.status, t.payableAt),
    index("payout_schedules_provider_idx").on(t.providerId, t.status),
    uniqueIndex("payout_schedules_booking_key").on(t.bookingId),
    check("payout_amounts", sql`${t.grossAmount} >= 0 and ${t.deductionAmount} >= 0`),
  ],
);

/**
 * Double-entry ledger. Entries sharing a `transactionId` sum to zero. Accounts are strings such as
 * `platform:cash`, `platform:fees`, `provider:<id>:escrow`, `provider:<id>:payable`, `provider:<id>:paid`.
 */
export const ledgerEntries = pgTable(
  "ledger_entries",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    transactionId: uuid("transaction_id").notNull(),
    kind: text("kind").notNull(),
    account: text("account").notNull(),
    bookingId: uuid("booking_id").references(() => bookings.id),
    providerId: uuid("provider_id").references(() => providers.id),
    currency: text("currency").notNull(),
    /** Signed integer minor units: debit positive, credit negative. */
    amount: bigint("amount", { mode: "number" }).notNull(),
    /** Makes re-applying the same business event a no-op (e.g. `capture:pi_123`). */
    idempotencyKey: text("idempotency_key"),
    createdAt: createdAt(),
  },
  (t) => [
    index("ledger_entries_tx_idx").on(t.transactionId),
    index("ledger_entries_account_idx").on(t.account, t.currency),
    index("ledger_entries_booking_idx").on(t.bookingId),
    index("ledger_entries_provider_idx").on(t.providerId),
    uniqueIndex("ledger_entries_idem_key").on(t.idempotencyKey, t.account),
  ],
);

/** Every Stripe webhook event we received, by Stripe's id: a duplicate delivery is acknowledged and ignored. */
export const stripeEvents = pgTable("stripe_events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  payload: jsonb("payload").notNull(),
  receivedAt: instant("received_at").notNull().defaultNow(),
  processedAt: instant("processed_at"),
  error: text("error"),
});

export const reconciliationDiscrepancies = pgTable(
  "reconciliation_discrepancies",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    runId: uuid("run_id").notNull(),
    kind: text("kind").notNull(),
    bookingId: uuid("booking_id"),
    providerId: uuid("provider_id"),
    details: jsonb("details").notNull().default({}),
    createdAt: createdAt(),
    resolvedAt: instant("resolved_at"),
  },
  (t) => [index("reconciliation_open_idx").on(t.resolvedAt, t.createdAt)],
);

/** One row per cron job execution: start, end, outcome, details. */
export const jobRuns = pgTable(
  "job_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    job: text("job").notNull(),
    trigger: text("trigger").notNull(),
    startedAt: instant("started_at").notNull(),
    finishedAt: instant("finished_at"),
    outcome: text("outcome").notNull().default("running"),
    details: jsonb("details").notNull().default({}),
  },
  (t) => [index("job_runs_job_started_idx").on(t.job, t.startedAt)],
);

export const emailOutbox = pgTable(
  "email_outbox",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: text("kind").notNull(),
    bookingId: uuid("booking_id").references(() => bookings.id),
    toAddress: text("to_address").notNull(),
    subject: text("subject").notNull(),
    textBody: text("text_body").notNull(),
    htmlBody: text("html_body"),
    attachments: jsonb("attachments").notNull().default([]),
    /** Prevents sending the same mail twice for the same business event. */
    dedupeKey: text("dedupe_key").notNull(),
    status: text("status").notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdAt: createdAt(),
    sentAt: instant("sent_at"),
  },
  (t) => [uniqueIndex("email_outbox_dedupe_key").on(t.dedupeKey), index("email_outbox_status_idx").on(t.status, t.createdAt)],
);

/** Metrics recorded by the app as it runs (funnel steps, latencies, errors), aggregated for admins. */
export const metricEvents = pgTable(
  "metric_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    name: text("name").notNull(),
    value: integer("value").notNull().default(1),
    labels: jsonb("labels").notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index("metric_events_name_time_idx").on(t.name, t.createdAt)],
);

/** Created by the hand-written migration 0001_booking_guarantees.sql; refreshed by the housekeeping cron. */
export const providerBookingStats = pgMaterializedView("provider_booking_stats", {
  providerId: uuid("provider_id").notNull(),
  completedBookings: integer("completed_bookings").notNull(),
  upcomingBookings: integer("upcoming_bookings").notNull(),
  cancelledBookings: integer("cancelled_bookings").notNull(),
  noShowBookings: integer("no_show_bookings").notNull(),
  totalBookings: integer("total_bookings").notNull(),
  grossAmount: bigint("gross_amount", { mode: "number" }).notNull(),
  platformFeeAmount: bigint("platform_fee_amount", { mode: "number" }).notNull(),
  avgCompletedAmount: bigint("avg_completed_amount", { mode: "number" }).notNull(),
  recentBookings: integer("recent_bookings").notNull(),
  lastBookingAt: instant("last_booking_at"),
  refreshedAt: instant("refreshed_at").notNull(),
}).existing();

/**
 * Fixed-window counters for rate limits (sign-in attempts per IP / IP+email, booking attempts per IP):
 * one row per key and window, incremented with a single upsert (workers/auth/rate-limit.ts). Rows of
 * windows that have ended are useless; pruneRateLimitBuckets() deletes them.
 */
export const rateLimitBuckets = pgTable(
  "rate_limit_buckets",
  {
    key: text("key").notNull(),
    windowStart: instant("window_start").notNull(),
    count: integer("count").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] }), index("rate_limit_buckets_window_idx").on(t.windowStart)],
);

/**
 * A calendar subscription feed (the "secret address" calendar apps poll): a provider's bookings, or a
 * signed-in customer's. The URL's token is derived from the row id with the keyring's calendar-feed
 * key (workers/auth/keyring.ts), so nothing secret is stored; revoking sets revoked_at, and the next
 * feed is a new row with a new URL. At most one live feed per owner.
 */
export const calendarFeeds = pgTable(
  "calendar_feeds",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    providerId: uuid("provider_id").references(() => providers.id, { onDelete: "cascade" }),
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    revokedAt: instant("revoked_at"),
    /** The last time an app fetched it (updated at most every few minutes), so owners can see it is in use. */
    lastFetchedAt: instant("last_fetched_at"),
  },
  (t) => [
    check("calendar_feeds_one_owner", sql`(${t.providerId} IS NULL) <> (${t.userId} IS NULL)`),
    uniqueIndex("calendar_feeds_live_provider").on(t.providerId).where(sql`${t.revokedAt} IS NULL AND ${t.providerId} IS NOT NULL`),
    uniqueIndex("calendar_feeds_live_user").on(t.userId).where(sql`${t.revokedAt} IS NULL AND ${t.userId} IS NOT NULL`),
  ],
);
